namespace Corral.Core.Units;

public enum ServiceType { Simple, Exec, Forking, Oneshot }
