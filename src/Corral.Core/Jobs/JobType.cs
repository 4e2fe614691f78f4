namespace Corral.Core.Jobs;

/// <summary>What a job does to its unit. VerifyActive is Requisite='s: it starts nothing and fails unless the unit is active.</summary>
public enum JobType { Start, Stop, VerifyActive }

public static class JobTypeNames
{
    private static readonly Text.NameTable<JobType> Names = new(("start", JobType.Start), ("stop", JobType.Stop), ("verify-active", JobType.VerifyActive));

    public static string Format(JobType t) => Names.Format(t);
}
