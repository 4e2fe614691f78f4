namespace Corral.Core.Units;

public static partial class ServiceUnitLoader
{
    /// <summary>[Unit] dependency directives and [Install]: added to the directive table by <see cref="WithDependencies"/>.</summary>
    private static Dictionary<(string Section, string Key), Apply> WithDependencies(Dictionary<(string Section, string Key), Apply> directives)
    {
        foreach (var kind in Enum.GetValues<DependencyKind>())
            directives[("Unit", DependencyKindNames.Format(kind))] = (b, v, ctx) =>
            {
                if (!b.Dependencies.TryGetValue(kind, out var list)) b.Dependencies[kind] = list = [];
                list.AddRange(UnitNamesOf(b, v, ctx, allowSelf: false));
            };
        directives[("Unit", "DefaultDependencies")] = (b, v, _) => b.DefaultDependencies = ParseBool(v);
        directives[("Unit", "AllowIsolate")] = (b, v, _) => b.AllowIsolate = ParseBool(v);
        directives[("Unit", "IgnoreOnIsolate")] = (b, v, _) => b.IgnoreOnIsolate = ParseBool(v);
        directives[("Install", "WantedBy")] = (b, v, ctx) => b.WantedBy.AddRange(UnitNamesOf(b, v, ctx, allowSelf: false));
        directives[("Install", "RequiredBy")] = (b, v, ctx) => b.RequiredBy.AddRange(UnitNamesOf(b, v, ctx, allowSelf: false));
        directives[("Install", "UpheldBy")] = (b, v, ctx) => b.UpheldBy.AddRange(UnitNamesOf(b, v, ctx, allowSelf: false));
        directives[("Install", "Also")] = (b, v, ctx) => b.Also.AddRange(UnitNamesOf(b, v, ctx, allowSelf: false));
        directives[("Install", "Alias")] = (b, v, ctx) =>
        {
            foreach (var alias in UnitNamesOf(b, v, ctx, allowSelf: false))
            {
                // systemd: an alias has the unit's own type ("sshd.service" for ssh.service).
                if (Path.GetExtension(alias) != Path.GetExtension(b.Name)) ctx.Warn($"alias {alias} is not of the unit's type ({Path.GetExtension(b.Name)}), ignored");
                else b.Alias.Add(alias);
            }
        };
        directives[("Install", "DefaultInstance")] = (b, v, _) =>
        {
            string instance = Specifiers.Expand(v, b.Name);
            b.DefaultInstance = instance.Length == 0 ? null
                : UnitNames.Invalid($"x@{instance}.service") is null ? instance
                : throw new UnitValueException("is not a valid instance name (letters, digits and :-_.\\ only)");
        };
        return directives;
    }

    /// <summary>
    /// The unit names of a dependency value: separated by spaces, specifiers expanded ("%i"); a name
    /// without a type is a service's, as systemctl reads it. A word that cannot be a unit's name
    /// warns and is skipped, as in systemd, so one typo does not stop the unit from loading.
    /// </summary>
    private static IEnumerable<string> UnitNamesOf(Builder b, string value, Context ctx, bool allowSelf)
    {
        foreach (var word in Specifiers.Expand(value, b.Name).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            string name = UnitNames.Normalize(word);
            if (UnitNames.Invalid(name) is { } why)
            {
                ctx.Warn($"{why}: not a unit name, ignored");
                continue;
            }
            if (!allowSelf && name == b.Name)
            {
                ctx.Warn("a unit cannot depend on itself, ignored");
                continue;
            }
            yield return name;
        }
    }
}
