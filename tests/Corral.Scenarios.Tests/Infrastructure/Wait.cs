namespace Corral.Scenarios.Tests.Infrastructure;

public static class Wait
{
    /// <summary>Polls until the condition holds; fails the test with <paramref name="what"/> after the limit.</summary>
    public static void Until(Func<bool> condition, TimeSpan limit, string what)
    {
        var end = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > end) throw new TimeoutException($"timed out after {limit.TotalSeconds:F0}s waiting for {what}");
            Thread.Sleep(20);
        }
    }
}
