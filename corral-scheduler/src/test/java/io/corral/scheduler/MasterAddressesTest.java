package io.corral.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MasterAddressesTest {

    @ParameterizedTest
    @CsvSource({
            "//10.0.0.2:5050/api/v1/scheduler, http://10.0.0.2:5050",
            "//master-2.example.com:5051/master/state?jsonp=x, http://master-2.example.com:5051",
            "http://10.0.0.2:5050/api/v1/scheduler, http://10.0.0.2:5050",
            "masterhost2:5050, http://masterhost2:5050",
            "//[::1]:5050/api/v1/scheduler, http://[::1]:5050",
            "//leader/api/v1/scheduler, http://leader:80",
    })
    void redirectTargetIsTheLeadersBaseUri(String location, String expected) {
        assertThat(MasterAddresses.redirectTarget(location)).isEqualTo(URI.create(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "/api/v1/scheduler"})
    void redirectWithoutAHostIsRejected(String location) {
        assertThatThrownBy(() -> MasterAddresses.redirectTarget(location))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({
            "http://127.0.0.1:5050, http://127.0.0.1:5050",
            "http://127.0.0.1:5050/, http://127.0.0.1:5050",
            "127.0.0.1:5050, http://127.0.0.1:5050",
            "' HTTP://Master:5050 ', http://Master:5050",
            "https://127.0.0.1:5050, https://127.0.0.1:5050",
    })
    void parsesUserSuppliedMasterAddresses(String address, String expected) {
        assertThat(MasterAddresses.parseBase(address)).isEqualTo(URI.create(expected));
    }

    @ParameterizedTest
    @CsvSource({
            "http://127.0.0.1, explicit port",
            "ftp://127.0.0.1:5050, only http:// and https://",
            "'', empty master address",
            "http://bad host:5050, expected http://host:port",
    })
    void explainsWhatIsWrongWithABadMasterAddress(String address, String hint) {
        assertThatThrownBy(() -> MasterAddresses.parseBase(address))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(hint);
    }

    @ParameterizedTest
    @CsvSource({
            "//10.0.0.2:5050/api/v1/scheduler, https://10.0.0.2:5050",
            "masterhost2:5050, https://masterhost2:5050",
            "https://10.0.0.2:5050/x, https://10.0.0.2:5050",
            "//leader/api/v1/scheduler, https://leader:443",
    })
    void aRedirectKeepsTheSchemeOfTheRequest(String location, String expected) {
        assertThat(MasterAddresses.redirectTarget(location, URI.create("https://10.0.0.1:5050")))
                .isEqualTo(URI.create(expected));
    }

    @org.junit.jupiter.api.Test
    void aRedirectFromHttpsToPlainHttpIsRefused() {
        assertThatThrownBy(() -> MasterAddresses.redirectTarget("http://10.0.0.2:5050/",
                URI.create("https://10.0.0.1:5050")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaves HTTPS");
    }

    @org.junit.jupiter.api.Test
    void anAddressWithoutSchemeTakesTheDefaultGiven() {
        assertThat(MasterAddresses.parseBase("127.0.0.1:5050", "https")).isEqualTo(URI.create("https://127.0.0.1:5050"));
        assertThat(MasterAddresses.withScheme(URI.create("http://h:1"), "https")).isEqualTo(URI.create("https://h:1"));
    }
}
