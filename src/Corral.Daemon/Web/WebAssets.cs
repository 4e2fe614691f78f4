using System.Collections.Frozen;

namespace Corral.Daemon.Web;

/// <summary>One file of the page.</summary>
internal sealed record WebAsset(byte[] Content, string ContentType, bool IsPage);

/// <summary>
/// The page's files (Web/assets), built into the daemon as resources: served by the daemon itself,
/// nothing from a CDN, nothing read from disk at run time. Read once, on the first request.
/// </summary>
internal static class WebAssets
{
    private static readonly Lazy<FrozenDictionary<string, WebAsset>> All = new(Load);

    /// <summary>The asset for a request path ("/" is the page), or null.</summary>
    public static WebAsset? Find(string path) =>
        All.Value.TryGetValue(path == "/" ? "/index.html" : path, out var a) ? a : null;

    private static FrozenDictionary<string, WebAsset> Load()
    {
        var assembly = typeof(WebAssets).Assembly;
        var files = new Dictionary<string, WebAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("corral.web.", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            string file = name["corral.web.".Length..];
            files["/" + file] = new WebAsset(copy.ToArray(), TypeOf(file), file.EndsWith(".html", StringComparison.Ordinal));
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string TypeOf(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
