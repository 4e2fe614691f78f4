namespace Corral.Core.Deaths;

/// <summary>
/// What a process is to its service, as records, filters and the API spell it: the main process,
/// a control process (ExecStartPre=, ExecStop= …), or any other process of the service.
/// </summary>
public static class ProcessRoles
{
    public const string Main = "main";
    public const string Control = "control";
    public const string Process = "process";
}
