package io.corral.zookeeper.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The standard schema: every key's default, range ends, accepted forms and error messages. */
class ConfigSchemaTest {

    private final ConfigSchema schema = ConfigSchema.standard();

    @Test
    void knowsTheSettingsNamedAfterMesosFlagsWithTheirDefaults() {
        assertThat(schema.names()).containsExactly("agent_ping_timeout", "agent_reregister_timeout",
                "allocation_interval", "gc_delay", "logging_level", "max_agent_ping_timeouts",
                "max_frameworks_per_principal", "offer_timeout");
        assertThat(schema.keys()).extracting(ConfigKey::name, ConfigKey::defaultValue).containsExactly(
                tuple("agent_ping_timeout", Optional.of("15secs")),
                tuple("agent_reregister_timeout", Optional.of("10mins")),
                tuple("allocation_interval", Optional.of("1secs")),
                tuple("gc_delay", Optional.of("1weeks")),
                tuple("logging_level", Optional.of("INFO")),
                tuple("max_agent_ping_timeouts", Optional.of("5")),
                tuple("max_frameworks_per_principal", Optional.of("1000")),
                tuple("offer_timeout", Optional.empty()));
        assertThat(schema.key("offer_timeout").usedBy()).containsExactly(Component.MASTER);
        assertThat(schema.key("gc_delay").usedBy()).containsExactly(Component.AGENT);
        assertThat(schema.key("logging_level").usedBy()).containsExactlyInAnyOrder(Component.MASTER, Component.AGENT);
        assertThat(schema.keys()).allSatisfy(key -> assertThat(key.description()).isNotBlank().doesNotContain("\n"));
    }

    /** Each key's lowest and highest allowed values pass; just outside them does not. */
    @ParameterizedTest
    @CsvSource({
            "offer_timeout,            1secs,  1days,   999ms,  86401secs, 1secs..1days",
            "allocation_interval,      10ms,   1mins,   9ms,    61secs,    10ms..1mins",
            "agent_ping_timeout,       1secs,  10mins,  999ms,  601secs,   1secs..10mins",
            "max_agent_ping_timeouts,  1,      100,     0,      101,       1..100",
            "agent_reregister_timeout, 1secs,  1days,   999ms,  86401secs, 1secs..1days",
            "gc_delay,                 1mins,  365days, 59secs, 366days,   1mins..365days",
    })
    void rangesIncludeTheirEndsOnly(String key, String min, String max, String belowMin, String aboveMax,
                                    String range) {
        assertThat(schema.canonicalize(key, min)).isEqualTo(min);
        assertThat(schema.canonicalize(key, max)).isEqualTo(max);
        assertThatThrownBy(() -> schema.canonicalize(key, belowMin))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage(key + ": " + belowMin + " is outside the range " + range);
        assertThatThrownBy(() -> schema.canonicalize(key, aboveMax))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage(key + ": " + aboveMax + " is outside the range " + range);
    }

    @ParameterizedTest
    @CsvSource({
            "offer_timeout,       30s,     30secs",
            "offer_timeout,       30secs,  30secs",
            "offer_timeout,       5m,      5mins",
            "offer_timeout,       90s,     90secs",
            "offer_timeout,       120s,    2mins",
            "offer_timeout,       1.5secs, 1500ms",
            "offer_timeout,       2h,      2hrs",
            "allocation_interval, 250ms,   250ms",
            "gc_delay,            168hrs,  1weeks",
            "gc_delay,            3d,      3days",
            "logging_level,       debug,   DEBUG",
            "logging_level,       ' Warn', WARN",
            "max_agent_ping_timeouts, 07,  7",
    })
    void acceptsMesosAndShortFormsAndStoresOneCanonicalText(String key, String typed, String canonical) {
        assertThat(schema.canonicalize(key, typed)).isEqualTo(canonical);
        assertThat(schema.canonicalize(key, canonical)).isEqualTo(canonical);
    }

    @Test
    void aBadDurationNamesTheSettingTheValidFormsAndTheRange() {
        assertThatThrownBy(() -> schema.canonicalize("offer_timeout", "not-a-duration"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("offer_timeout: 'not-a-duration' is not a duration: expected a number and a unit, "
                        + "e.g. 500ms, 2secs, 2s, 5mins, 5m, 1hrs, 1h, 1days (range 1secs..1days)");
        assertThatThrownBy(() -> schema.canonicalize("gc_delay", "3 fortnights"))
                .hasMessage("gc_delay: '3 fortnights' has an unknown unit 'fortnights': expected a number and a unit, "
                        + "e.g. 500ms, 2secs, 2s, 5mins, 5m, 1hrs, 1h, 1days (range 1mins..365days)");
    }

    @Test
    void aBadCountOrEnumSaysWhatIsAllowed() {
        assertThatThrownBy(() -> schema.canonicalize("max_agent_ping_timeouts", "five"))
                .hasMessage("max_agent_ping_timeouts: 'five' is not a count: expected a whole number (range 1..100)");
        assertThatThrownBy(() -> schema.canonicalize("max_agent_ping_timeouts", "2.5"))
                .hasMessage("max_agent_ping_timeouts: '2.5' is not a count: expected a whole number (range 1..100)");
        assertThatThrownBy(() -> schema.canonicalize("logging_level", "LOUD"))
                .hasMessage("logging_level: 'LOUD' is not allowed: expected one of TRACE, DEBUG, INFO, WARN, ERROR");
        assertThatThrownBy(() -> schema.canonicalize("logging_level", ""))
                .hasMessage("logging_level: '' is not allowed: expected one of TRACE, DEBUG, INFO, WARN, ERROR");
    }

    @Test
    void anUnknownKeyListsTheKnownOnes() {
        assertThatThrownBy(() -> schema.canonicalize("offer_timout", "5mins"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("unknown setting 'offer_timout': known settings are agent_ping_timeout, "
                        + "agent_reregister_timeout, allocation_interval, gc_delay, logging_level, "
                        + "max_agent_ping_timeouts, max_frameworks_per_principal, offer_timeout");
    }

    @Test
    void sizesTakeMegabytesGigabytesAndTerabytes() {
        SizeType size = new SizeType(64, 2 * 1024 * 1024);

        assertThat(size.canonicalize("512MB")).isEqualTo("512MB");
        assertThat(size.canonicalize("2048m")).isEqualTo("2GB");
        assertThat(size.canonicalize("1.5GB")).isEqualTo("1536MB");
        assertThat(size.canonicalize("2TB")).isEqualTo("2TB");
        assertThat(size.parse("2g")).isEqualTo(2048L);
        assertThat(size.range()).isEqualTo("64MB..2TB");
        assertThatThrownBy(() -> size.parse("32MB")).hasMessage("32MB is outside the range 64MB..2TB");
        assertThatThrownBy(() -> size.parse("lots"))
                .hasMessage("'lots' is not a size: expected a number and a unit, e.g. 512MB, 2GB, 1TB (range 64MB..2TB)");
        assertThatThrownBy(() -> size.parse("100.5MB"))
                .hasMessage("'100.5MB' is not a whole number of megabytes (range 64MB..2TB)");
    }

    @Test
    void aDefaultOutsideItsRangeIsAProgrammingError() {
        assertThatThrownBy(() -> new ConfigKey("x", new CountType(1, 10), Optional.of("11"), "d",
                Set.of(Component.MASTER))).hasMessage("11 is outside the range 1..10");
    }

    @Test
    void snapshotsApplyDefaultsAndGiveTypedValues() {
        ConfigSnapshot defaults = ConfigSnapshot.defaults(schema);

        assertThat(defaults.optionalDuration("offer_timeout")).isEmpty();
        assertThatThrownBy(() -> defaults.duration("offer_timeout"))
                .hasMessage("offer_timeout is unset and has no default");
        assertThat(defaults.duration("allocation_interval")).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.duration("agent_ping_timeout")).isEqualTo(Duration.ofSeconds(15));
        assertThat(defaults.count("max_agent_ping_timeouts")).isEqualTo(5);
        assertThat(defaults.duration("agent_reregister_timeout")).isEqualTo(Duration.ofMinutes(10));
        assertThat(defaults.enumValue("logging_level")).isEqualTo("INFO");
        assertThat(defaults.duration("gc_delay")).isEqualTo(Duration.ofDays(7));
        assertThat(defaults.settings().values()).allSatisfy(s -> {
            assertThat(s.isDefault()).isTrue();
            assertThat(s.version()).isEqualTo(Setting.NEVER_SET);
        });

        ConfigSnapshot set = new ConfigSnapshot(schema, Map.of("offer_timeout",
                new Setting("offer_timeout", Optional.of("5mins"), false, 0, Optional.empty(), Optional.empty())));
        assertThat(set.duration("offer_timeout")).isEqualTo(Duration.ofMinutes(5));
        assertThatThrownBy(() -> set.count("offer_timeout"))
                .hasMessage("offer_timeout is a duration setting, not a count");
        assertThatThrownBy(() -> set.duration("nope")).isInstanceOf(InvalidSettingException.class);
    }

    @Test
    void sizeSettingsReadAsMegabytesInSnapshots() {
        ConfigSchema withSize = new ConfigSchema(List.of(new ConfigKey("fetcher_cache_size",
                new SizeType(0, 1024 * 1024), Optional.of("2GB"), "Fetcher cache size", Set.of(Component.AGENT))));

        assertThat(ConfigSnapshot.defaults(withSize).sizeMb("fetcher_cache_size")).isEqualTo(2048L);
    }
}
