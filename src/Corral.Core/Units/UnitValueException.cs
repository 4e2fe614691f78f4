namespace Corral.Core.Units;

/// <summary>A directive's value could not be parsed; the loader adds file, line and key.</summary>
public sealed class UnitValueException(string message) : Exception(message);
