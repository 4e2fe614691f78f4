using System.Globalization;
using System.Linq;
using System.Text;

namespace Corral.Core.Notify;

/// <summary>
/// A notification message (sd_notify(3)): newline-separated KEY=VALUE assignments, read from bytes
/// any local process may send. Refused whole when it cannot be text (not UTF-8, a NUL byte) or
/// says nothing; otherwise each known assignment is taken if its value is valid, and each invalid
/// one is named in <see cref="Problems"/> and left out — as systemd logs and skips it. Unknown
/// keys are ignored (the protocol grows; FDSTORE= and the like are not supported here).
/// </summary>
public sealed record NotifyMessage
{
    public bool Ready { get; private init; }
    public bool Reloading { get; private init; }
    public bool Stopping { get; private init; }
    public bool WatchdogPing { get; private init; }
    public bool WatchdogTrigger { get; private init; }
    /// <summary>STATUS=: the service's own words on how it is; empty clears them.</summary>
    public string? Status { get; private init; }
    public int? Errno { get; private init; }
    public int? MainPid { get; private init; }
    public TimeSpan? ExtendTimeout { get; private init; }
    /// <summary>WATCHDOG_USEC=: a new watchdog interval for this run.</summary>
    public TimeSpan? WatchdogInterval { get; private init; }
    /// <summary>Assignments left out, each with why.</summary>
    public IReadOnlyList<string> Problems { get; private init; } = [];
    /// <summary>FDSTORE=1: the descriptors sent with it go to the unit's fd store; FDSTOREREMOVE=1: those named FDNAME= leave it.</summary>
    public bool FdStore { get; private init; }
    public bool FdStoreRemove { get; private init; }
    /// <summary>FDNAME=: the name of the descriptors stored (default "stored"), or of those to remove.</summary>
    public string? FdName { get; private init; }

    /// <summary>Nothing known and valid in it (a bare BARRIER=1, say): there is nothing to allow or refuse.</summary>
    public bool AsksNothing => Summary.Length == 0 && Problems.Count == 0;

    /// <summary>What the message asks for, in the protocol's words (for refusals and the log).</summary>
    public string Summary { get; private init; } = "";

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryParse(ReadOnlySpan<byte> payload, out NotifyMessage message, out string error)
    {
        message = new NotifyMessage();
        error = "";
        if (payload.Length == 0) { error = "an empty message"; return false; }
        if (payload.IndexOf((byte)0) is int nul and >= 0) { error = $"a NUL byte at offset {nul}"; return false; }
        string text;
        try { text = Strict.GetString(payload); }
        catch (DecoderFallbackException) { error = "not UTF-8"; return false; }

        bool any = false, ready = false, reloading = false, stopping = false, ping = false, trigger = false, fdStore = false, fdStoreRemove = false;
        string? fdName = null;
        string? status = null;
        int? errno = null, mainPid = null;
        TimeSpan? extend = null, interval = null;
        var problems = new List<string>();
        var known = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            int eq = line.IndexOf('=');
            if (eq <= 0 || !IsKey(line.AsSpan(0, eq))) continue;
            string key = line[..eq], value = line[(eq + 1)..];
            any = true;
            switch (key)
            {
                case "READY": ready |= Flag(key, value, problems); break;
                case "RELOADING": reloading |= Flag(key, value, problems); break;
                case "STOPPING": stopping |= Flag(key, value, problems); break;
                case "STATUS": status = Visible(value); break; // shown in terminals: no escape sequence gets through
                case "ERRNO":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int en)) errno = en;
                    else problems.Add($"ERRNO={Clip(value)}: not an error number");
                    break;
                case "MAINPID":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 1) mainPid = pid;
                    else problems.Add($"MAINPID={Clip(value)}: not a process id above 1");
                    break;
                case "EXTEND_TIMEOUT_USEC":
                    if (Usec(value) is { } ext) extend = ext;
                    else problems.Add($"EXTEND_TIMEOUT_USEC={Clip(value)}: not a number of microseconds");
                    break;
                case "WATCHDOG":
                    if (value == "1") ping = true;
                    else if (value == "trigger") trigger = true;
                    else problems.Add($"WATCHDOG={Clip(value)}: neither 1 nor trigger");
                    break;
                case "WATCHDOG_USEC":
                    if (Usec(value) is { } wd && wd > TimeSpan.Zero) interval = wd;
                    else problems.Add($"WATCHDOG_USEC={Clip(value)}: not a number of microseconds above 0");
                    break;
                case "FDSTORE": fdStore |= Flag(key, value, problems); break;
                case "FDSTOREREMOVE": fdStoreRemove |= Flag(key, value, problems); break;
                case "FDNAME":
                    // sd_listen_fds_with_names: printable ASCII, no ':' (the separator of LISTEN_FDNAMES=), at most 255.
                    if (value.Length is > 0 and <= 255 && value.All(c => c > ' ' && c < '\x7f' && c != ':')) fdName = value;
                    else problems.Add($"FDNAME={Clip(value)}: not 1-255 printable characters without ':'");
                    break;
                default: continue; // BARRIER=, FDPOLL= and the rest: nothing to do here
            }
            known.Add(key == "STATUS" ? $"STATUS={Clip(value)}" : line.Length <= 60 ? line : Clip(line));
        }
        if (!any) { error = "no KEY=VALUE assignment"; return false; }
        message = new NotifyMessage
        {
            Ready = ready, Reloading = reloading, Stopping = stopping, WatchdogPing = ping, WatchdogTrigger = trigger,
            Status = status, Errno = errno, MainPid = mainPid, ExtendTimeout = extend, WatchdogInterval = interval,
            Problems = problems, Summary = string.Join(' ', known), FdStore = fdStore, FdStoreRemove = fdStoreRemove, FdName = fdName,
        };
        return true;
    }

    private static bool Flag(string key, string value, List<string> problems)
    {
        if (value == "1") return true;
        problems.Add($"{key}={Clip(value)}: only {key}=1 means anything");
        return false;
    }

    /// <summary>A count of microseconds; anything past a century is as good as forever.</summary>
    private static TimeSpan? Usec(string value) =>
        ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong us)
            ? us >= 3_155_760_000_000_000UL ? TimeSpan.MaxValue : TimeSpan.FromMicroseconds(us)
            : null;

    private static bool IsKey(ReadOnlySpan<char> key)
    {
        foreach (char c in key)
            if (!(char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_')) return false;
        return true;
    }

    private static string Visible(string value) =>
        value.Any(char.IsControl) ? string.Concat(value.Select(c => char.IsControl(c) ? '?' : c)) : value;

    /// <summary>A value as it may be shown: at most 80 characters, control characters made visible.</summary>
    public static string Clip(string value)
    {
        var sb = new StringBuilder(Math.Min(value.Length, 81));
        foreach (char c in value)
        {
            if (sb.Length >= 80) { sb.Append('…'); break; }
            sb.Append(char.IsControl(c) ? '?' : c);
        }
        return sb.ToString();
    }
}
