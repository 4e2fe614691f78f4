namespace Corral.Core.Units;

/// <summary>One <c>Key=Value</c> assignment as written, with where it was written.</summary>
public sealed record UnitEntry(string Section, string Key, string Value, int Line);
