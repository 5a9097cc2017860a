package io.corral.agent.containerizer.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeviceRuleTest {

    @Test
    void rulesAreWrittenInV1sWords() {
        assertThat(DeviceRule.character(false, 195, 0).v1Text()).isEqualTo("c 195:0 rwm");
        assertThat(new DeviceRule(true, 'a', DeviceRule.ANY, DeviceRule.ANY, "rwm").v1Text()).isEqualTo("a *:* rwm");
        assertThat(new DeviceRule(true, 'b', 8, DeviceRule.ANY, "r").v1Text()).isEqualTo("b 8:* r");
    }

    @Test
    void numbersNoDeviceCanHaveAreRefused() {
        assertThatThrownBy(() -> DeviceRule.character(true, 4096, 0)).hasMessageContaining("4096:0");
        assertThatThrownBy(() -> DeviceRule.character(true, 1, 1 << 20)).hasMessageContaining("no device");
        assertThatThrownBy(() -> DeviceRule.character(true, -2, 0)).hasMessageContaining("no device");
        assertThatThrownBy(() -> new DeviceRule(true, 'x', 1, 1, "r")).hasMessageContaining("a, b or c");
        assertThatThrownBy(() -> new DeviceRule(true, 'c', 1, 1, "rx")).hasMessageContaining("rwm");
        assertThatThrownBy(() -> new DeviceRule(true, 'c', 1, 1, "")).hasMessageContaining("rwm");
    }
}
