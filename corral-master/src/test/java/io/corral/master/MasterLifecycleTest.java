package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.master.MasterLifecycle.Phase;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The master's lifecycle as a value: which transitions exist, and what each phase tells the HTTP room. */
class MasterLifecycleTest {
    private final MasterFixture fixture = new MasterFixture();
    private final Master master = fixture.master;

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void aContenderFollowsClaimsRecoversAndLeads() {
        MasterLifecycle following = MasterLifecycle.start().follow(Optional.of("10.0.0.1:5050"));
        assertThat(following.phase()).isEqualTo(Phase.FOLLOWING);
        assertThat(following.leaderAddress()).contains("10.0.0.1:5050");
        assertThat(following.isElected()).isFalse();

        MasterLifecycle claiming = following.claim("10.0.0.2:5050");
        assertThat(claiming.phase()).isEqualTo(Phase.CLAIMING);
        assertThat(claiming.leaderAddress()).contains("10.0.0.2:5050");
        assertThat(claiming.master()).isEmpty();

        MasterLifecycle leading = claiming.recover().lead(master);
        assertThat(leading.phase()).isEqualTo(Phase.LEADING);
        assertThat(leading.master()).contains(master);
        assertThat(leading.isElected()).isTrue();
    }

    @Test
    void aSuspendedLeaderKeepsItsMasterAndResumesLeading() {
        MasterLifecycle leading = MasterLifecycle.start().claim("me:5050").recover().lead(master);

        MasterLifecycle suspended = leading.suspend();
        assertThat(suspended.phase()).isEqualTo(Phase.SUSPENDED);
        assertThat(suspended.master()).as("still elected: isLeading stays true").contains(master);
        assertThat(suspended.resume()).isEqualTo(leading);
    }

    @Test
    void suspendedWhileRecoveringItResumesAsLeaderOnceRecovered() {
        MasterLifecycle suspended = MasterLifecycle.start().claim("me:5050").recover().suspend();

        MasterLifecycle recoveredWhileSuspended = suspended.lead(master);

        assertThat(recoveredWhileSuspended.phase()).isEqualTo(Phase.SUSPENDED);
        assertThat(recoveredWhileSuspended.resume().phase()).isEqualTo(Phase.LEADING);
    }

    @Test
    void aFollowerIgnoresSuspensionAndDeposedIsFinal() {
        MasterLifecycle following = MasterLifecycle.start();
        assertThat(following.suspend()).isEqualTo(following);

        MasterLifecycle deposed = following.claim("me:5050").depose("another master leads now");
        assertThat(deposed.phase()).isEqualTo(Phase.DEPOSED);
        assertThat(deposed.reason()).contains("another master leads now");
        assertThat(deposed.isElected()).isFalse();
        assertThatThrownBy(() -> deposed.claim("me:5050")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("DEPOSED");
        assertThatThrownBy(() -> deposed.recover()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void transitionsOutOfOrderAreRefused() {
        assertThatThrownBy(() -> MasterLifecycle.start().lead(master)).isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot lead a master that is FOLLOWING");
        assertThatThrownBy(() -> MasterLifecycle.start().claim("a:1").claim("a:1"))
                .isInstanceOf(IllegalStateException.class);
    }
}
