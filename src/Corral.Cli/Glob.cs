namespace Corral.Cli;

/// <summary>Shell glob patterns as systemctl takes them for unit names (fnmatch): *, ?, [abc], [a-z], [!a].</summary>
internal static class Glob
{
    public static bool Matches(string pattern, string text) => Match(pattern, 0, text, 0);

    private static bool Match(string p, int pi, string t, int ti)
    {
        while (pi < p.Length)
        {
            char c = p[pi];
            if (c == '*')
            {
                while (pi < p.Length && p[pi] == '*') pi++;
                if (pi == p.Length) return true;
                for (int k = ti; k <= t.Length; k++)
                    if (Match(p, pi, t, k)) return true;
                return false;
            }
            if (ti == t.Length) return false;
            if (c == '?') { pi++; ti++; continue; }
            if (c == '[' && Class(p, pi, t[ti], out int next, out bool hit))
            {
                if (!hit) return false;
                pi = next;
                ti++;
                continue;
            }
            if (c == '\\' && pi + 1 < p.Length) c = p[++pi];
            if (c != t[ti]) return false;
            pi++;
            ti++;
        }
        return ti == t.Length;
    }

    /// <summary>A bracket expression at p[start]; false when it is not closed (then '[' is a plain character).</summary>
    private static bool Class(string p, int start, char ch, out int next, out bool hit)
    {
        int i = start + 1;
        bool negate = i < p.Length && (p[i] == '!' || p[i] == '^');
        if (negate) i++;
        bool found = false, first = true;
        while (i < p.Length && (p[i] != ']' || first))
        {
            first = false;
            if (i + 2 < p.Length && p[i + 1] == '-' && p[i + 2] != ']')
            {
                if (ch >= p[i] && ch <= p[i + 2]) found = true;
                i += 3;
            }
            else
            {
                if (ch == p[i]) found = true;
                i++;
            }
        }
        next = i + 1;
        hit = found != negate;
        return i < p.Length;
    }
}
