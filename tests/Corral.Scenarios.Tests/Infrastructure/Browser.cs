using Microsoft.Playwright;

namespace Corral.Scenarios.Tests.Infrastructure;

/// <summary>
/// Debian's chromium (/usr/bin/chromium) driven by Playwright, headless, with a fresh profile; the
/// flags keep it off the network this machine does not have. Screenshots go to artifacts/screenshots.
/// Dispose closes the browser and the Playwright driver.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public IPage Page { get; private set; } = null!;

    public static string ScreenshotDir => Path.Combine(Repo.Root, "artifacts", "screenshots");

    /// <param name="extraArgs">more Chromium flags, such as --host-resolver-rules to give a name an address</param>
    public static Task<Browser> Open(string url, params string[] extraArgs) => OpenIn(url, null, extraArgs);

    /// <summary>A page whose clock is in <paramref name="timezoneId"/> (an IANA name), as a reader elsewhere sees it.</summary>
    public static async Task<Browser> OpenIn(string url, string? timezoneId, params string[] extraArgs)
    {
        var b = new Browser();
        try
        {
            b._playwright = await Playwright.CreateAsync();
            b._browser = await b._playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", .. extraArgs],
            });
            b.Page = await b._browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 }, TimezoneId = timezoneId });
            b.Page.SetDefaultTimeout(20_000);
            await b.Page.GotoAsync(url);
            return b;
        }
        catch
        {
            await b.DisposeAsync(); // the driver and the browser, also when the page failed to open
            throw;
        }
    }

    /// <summary>Keeps a picture of the whole page as a test artifact.</summary>
    public async Task<string> Screenshot(string name)
    {
        Directory.CreateDirectory(ScreenshotDir);
        string path = Path.Combine(ScreenshotDir, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
    }
}
