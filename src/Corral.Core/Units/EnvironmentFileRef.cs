namespace Corral.Core.Units;

/// <summary>EnvironmentFile=: a path, and whether a missing file is fine ("-" prefix).</summary>
public sealed record EnvironmentFileRef(string Path, bool Optional);
