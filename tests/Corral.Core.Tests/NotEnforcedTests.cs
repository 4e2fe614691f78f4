using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>What is not enforced is visible (issue #14, item 8): known systemd directives Corral runs without, apart from unknown keys.</summary>
public sealed class NotEnforcedTests
{
    [Fact]
    public void No_directive_Corral_acts_on_is_listed_as_not_enforced()
    {
        foreach (var (section, key, _) in NotEnforcedDirectives.All)
        {
            var r = section == "Timer" ? ServiceUnitLoader.Load("/u/x.timer", $"[Timer]\n{key}=yes\nOnActiveSec=1\n")
                : section == "Socket" ? ServiceUnitLoader.Load("/u/x.socket", $"[Socket]\n{key}=yes\nListenStream=/run/x\n")
                : ServiceUnitLoader.Load("/u/x.service", $"[{section}]\n{key}=yes\n[Service]\nExecStart=/bin/a\n");
            Assert.True(r.NotEnforced.Any(n => n.Key == key), $"{key}= in [{section}] is listed as not enforced but Corral reads it as a directive");
        }
    }

    [Fact]
    public void A_sandboxed_unit_loads_runs_without_its_sandbox_and_says_where_each_key_is()
    {
        var r = ServiceUnitLoader.Load("/u/x.service",
            "[Unit]\nJoinsNamespaceOf=network.service\n[Service]\nExecStart=/bin/a\nRestrictFileSystems=ext4\nRestrictFileSystems=ext4\nNoSuchThing=1\n[Install]\nWantedBy=multi-user.target\nAlias=y.service\n");

        Assert.NotNull(r.Unit);
        Assert.Equal(["JoinsNamespaceOf=", "RestrictFileSystems="], r.Unit!.RunsWithout);
        Assert.Equal("/u/x.service:5: not enforced: RestrictFileSystems= (sandboxing, issue #19)", r.NotEnforced[1].ToString());
        Assert.Equal("/u/x.service:2: not enforced: JoinsNamespaceOf= (dependencies)", r.NotEnforced[0].ToString());
        // Unknown keys stay warnings of their own; [Install] is never called unknown.
        var warning = Assert.Single(r.Diagnostics);
        Assert.Contains("unknown key NoSuchThing=", warning.Message);
    }

    [Fact]
    public void The_PIDFile_warning_names_the_line_it_is_on()
    {
        var r = ServiceUnitLoader.Load("/u/x.service", "[Service]\nType=simple\nExecStart=/bin/a\nPIDFile=/run/a.pid\n");
        var d = Assert.Single(r.Diagnostics);
        Assert.Equal("/u/x.service:4: warning: PIDFile= is only used with Type=forking", d.ToString());
    }

    [Fact]
    public void Debians_units_on_this_machine_have_no_unknown_key_among_their_sandboxing_and_ordering_keys()
    {
        foreach (var unit in new[] { "redis-server", "ssh", "nginx", "memcached", "cron" })
        {
            string path = $"/lib/systemd/system/{unit}.service";
            Assert.True(File.Exists(path), $"{path} is missing: deps.sh installs it");
            var r = ServiceUnitLoader.LoadFile(path);
            Assert.NotNull(r.Unit);
            Assert.DoesNotContain(r.Diagnostics, d => d.Message.Contains("unknown key"));
        }
    }
}
