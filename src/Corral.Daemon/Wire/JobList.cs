namespace Corral.Daemon.Wire;

/// <summary>GET /v1/jobs: the jobs in flight, oldest first.</summary>
public sealed record JobList(List<Jobs.JobInfo> Jobs);

/// <summary>GET /v1/units/NAME/dependencies: one node of list-dependencies' tree, with its state.</summary>
public sealed record DependencyNode(string Unit, string ActiveState, List<DependencyNode> Children);

/// <summary>GET /v1/default-target: what default.target names.</summary>
public sealed record DefaultTarget(string Target);
