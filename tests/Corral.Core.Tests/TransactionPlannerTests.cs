using Corral.Core.Jobs;
using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>Which jobs a start or stop makes and which waits for which, on unit files as an administrator writes them.</summary>
public sealed class TransactionPlannerTests
{
    private static DependencyGraph Graph(params (string Name, string Text)[] units)
    {
        var deps = units.ToDictionary(u => u.Name, u =>
        {
            var r = ServiceUnitLoader.Load("/u/" + u.Name, u.Text);
            Assert.True(r.Loaded, string.Join("\n", r.Diagnostics));
            return r.Dependencies;
        });
        return new DependencyGraph(deps, UnitNames.IsTarget);
    }

    private static string Svc(string unitSection = "") => $"[Unit]\n{unitSection}\n[Service]\nExecStart=/bin/true\n";

    private static TransactionPlan Start(DependencyGraph g, string unit, params string[] active) =>
        TransactionPlanner.Start(g, [unit], active.Contains, _ => "not found");

    [Fact]
    public void A_start_pulls_in_what_it_requires_and_waits_for_it_only_when_ordered_after_it()
    {
        var g = Graph(("web.service", Svc("Requires=db.service\nAfter=db.service\nWants=cache.service")),
            ("db.service", Svc()), ("cache.service", Svc()));
        var plan = Start(g, "web.service");
        Assert.Equal([("web.service", JobType.Start), ("db.service", JobType.Start), ("cache.service", JobType.Start)], plan.Jobs);
        Assert.Equal(["db.service"], plan.WaitsOn("web.service"));
        Assert.Empty(plan.WaitsOn("db.service"));
        Assert.Equal(["web.service"], plan.RequirersOf("db.service"));
        Assert.Empty(plan.RequirersOf("cache.service"));
    }

    [Fact]
    public void Ordering_alone_pulls_nothing_in()
    {
        var g = Graph(("web.service", Svc("After=db.service")), ("db.service", Svc()));
        Assert.Equal([("web.service", JobType.Start)], Start(g, "web.service").Jobs);
    }

    [Fact]
    public void A_cycle_is_refused_with_its_path()
    {
        var g = Graph(("a.service", Svc("Wants=b.service\nAfter=b.service")), ("b.service", Svc("Wants=a.service\nAfter=a.service")));
        var e = Assert.Throws<TransactionException>(() => Start(g, "a.service"));
        Assert.Contains("a.service → b.service → a.service", e.Message);
    }

    [Fact]
    public void A_missing_required_unit_fails_with_its_name_and_a_missing_wanted_one_does_not()
    {
        var g = Graph(("web.service", Svc("Requires=db.service")), ("app.service", Svc("Wants=db.service")));
        Assert.Contains("Unit db.service not found", Assert.Throws<TransactionException>(() => Start(g, "web.service")).Message);
        var plan = Start(g, "app.service");
        Assert.Equal([("app.service", JobType.Start)], plan.Jobs);
        Assert.Equal(["db.service"], plan.Missing);
    }

    [Fact]
    public void A_stop_takes_along_the_active_units_that_require_it_and_runs_in_reverse_order()
    {
        var g = Graph(("web.service", Svc("Requires=db.service\nAfter=db.service")), ("db.service", Svc()),
            ("report.service", Svc("PartOf=db.service\nAfter=db.service")), ("idle.service", Svc("Requires=db.service")));
        var plan = TransactionPlanner.Stop(g, ["db.service"], new[] { "web.service", "db.service", "report.service" }.Contains, _ => null);
        Assert.Equal(["db.service", "report.service", "web.service"], plan.Jobs.Select(j => j.Unit).Order());
        Assert.Equal(["report.service", "web.service"], plan.WaitsOn("db.service").Order());
    }

    [Fact]
    public void Conflicts_stop_the_other_side_first_in_either_direction()
    {
        var g = Graph(("a.service", Svc("Conflicts=b.service")), ("b.service", Svc("Before=a.service")), ("c.service", Svc()));
        var plan = Start(g, "b.service", "a.service");
        Assert.Equal([("b.service", JobType.Start), ("a.service", JobType.Stop)], plan.Jobs);
        Assert.Equal(["a.service"], plan.WaitsOn("b.service"));
    }

    [Fact]
    public void A_target_is_ordered_after_what_it_wants_unless_told_otherwise()
    {
        var g = Graph(("multi-user.target", "[Unit]\nWants=a.service b.service\n"), ("a.service", Svc()), ("b.service", Svc("After=multi-user.target")));
        var plan = Start(g, "multi-user.target");
        Assert.Equal(["a.service"], plan.WaitsOn("multi-user.target"));
        Assert.Equal(["multi-user.target"], plan.WaitsOn("b.service"));
    }

    [Fact]
    public void Requisite_starts_nothing_and_verifies()
    {
        var g = Graph(("web.service", Svc("Requisite=db.service\nAfter=db.service")), ("db.service", Svc()));
        var plan = Start(g, "web.service");
        Assert.Equal([("web.service", JobType.Start), ("db.service", JobType.VerifyActive)], plan.Jobs);
        Assert.Equal(["web.service"], plan.RequirersOf("db.service"));
    }

    [Fact]
    public void Dependency_lines_warn_on_a_word_that_is_no_unit_name_and_keep_the_rest()
    {
        var r = ServiceUnitLoader.Load("/u/web.service", Svc("After=db network.target bad/name.service\nWants=web.service"));
        Assert.True(r.Loaded);
        Assert.Equal(["db.service", "network.target"], r.Dependencies.Of(DependencyKind.After));
        Assert.Contains(r.Diagnostics, d => d.Line == 2 && d.Message.Contains("bad/name.service") && d.Message.Contains("not a unit name"));
        Assert.Contains(r.Diagnostics, d => d.Line == 3 && d.Message.Contains("cannot depend on itself"));
    }

    [Fact]
    public void A_target_reads_unit_and_install_and_warns_on_a_service_section()
    {
        var r = ServiceUnitLoader.Load("/u/app.target", "[Unit]\nDescription=App\nRequires=a.service\nAllowIsolate=yes\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nAlias=apps.target\n");
        Assert.NotNull(r.Target);
        Assert.Null(r.Unit);
        Assert.True(r.Target!.AllowIsolate);
        Assert.Equal(["multi-user.target"], r.Install.WantedBy);
        Assert.Equal(["apps.target"], r.Install.Alias);
        Assert.Contains(r.Diagnostics, d => d.Message.Contains("unknown section [Service] in a target"));
    }
}
