namespace Corral.Bench;

public static class Stats
{
    public static double Median(IEnumerable<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    public static string Ms(double ms) => ms.ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
}
