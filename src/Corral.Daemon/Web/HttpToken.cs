using System.Security.Cryptography;
using System.Text;

using Corral.Daemon.Wire;

namespace Corral.Daemon.Web;

/// <summary>
/// The HTTP endpoint's rule: every GET is open to whoever reaches the address (read-only, like a
/// member of the socket's group); anything else needs <c>Authorization: Bearer TOKEN</c> with the
/// token of <c>--http-token-file</c>. Without a token file, no action is possible over HTTP.
/// Tokens are compared by their SHA-256, in constant time.
/// </summary>
public sealed class HttpToken
{
    private readonly byte[]? _hash;

    private HttpToken(byte[]? hash) => _hash = hash;

    public static HttpToken None { get; } = new(null);

    public bool Configured => _hash is not null;

    /// <summary>
    /// Reads the token: the file's content without surrounding white space, at least 16 characters.
    /// The file is opened without following a symlink, and judged on the descriptor that is read
    /// (fstat, so it cannot be swapped between the check and the read): a regular file, owned by
    /// root, mode 0600 or 0400 — like ssh with its keys.
    /// </summary>
    public static HttpToken Load(string path)
    {
        string text;
        try
        {
            using var file = Linux.NoFollowFile.OpenRead(path)
                ?? throw new ArgumentException($"--http-token-file {path}: no such file; for example: (umask 077; head -c 24 /dev/urandom | base64 > {path})");
            var facts = Linux.FileFacts.OfDescriptor((int)file.SafeFileHandle.DangerousGetHandle());
            if (!facts.IsRegular)
                throw new ArgumentException($"--http-token-file {path}: not a regular file");
            if (facts.Uid != 0)
                throw new ArgumentException($"--http-token-file {path}: owned by uid {facts.Uid}, not root; chown root {path}");
            if (facts.Permissions is not (0x180 or 0x100))
                throw new ArgumentException($"--http-token-file {path}: mode {facts.Octal}; the token file must be 0600 or 0400 (readable by root only): chmod 600 {path}");
            using var reader = new StreamReader(file);
            text = reader.ReadToEnd().Trim();
        }
        catch (Linux.ErrnoException e)
        {
            throw new ArgumentException($"--http-token-file {path}: {e.Message}");
        }
        catch (Exception e) when (Core.FileErrors.Is(e))
        {
            throw new ArgumentException($"--http-token-file {path}: {e.Message}");
        }
        if (text.Length < 16)
            throw new ArgumentException($"--http-token-file {path}: the token must have at least 16 characters (it has {text.Length}); for example: head -c 24 /dev/urandom | base64 > {path}");
        if (text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new ArgumentException($"--http-token-file {path}: the token must be one word, without spaces or line breaks inside");
        return new HttpToken(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Null when the request may act; otherwise the status (401 or 403) and the message.</summary>
    public (int Status, string Message)? Check(IReadOnlyDictionary<string, string> headers)
    {
        if (_hash is null)
            return (403, "actions over HTTP are off: the daemon was started without --http-token-file; use the corral command on the machine");
        if (!headers.TryGetValue("authorization", out var auth) || !auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return (401, "this action needs the token: send the header 'Authorization: Bearer TOKEN' (the content of --http-token-file)");
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(auth[7..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, _hash) ? null : (401, "the token is wrong");
    }

    public AccessAnswer Answer(IReadOnlyDictionary<string, string> headers) =>
        Check(headers) is { } refusal ? new AccessAnswer(false, refusal.Message) : new AccessAnswer(true, "the token is accepted: start, stop, restart are allowed");
}
