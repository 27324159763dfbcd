using System.Collections.Concurrent;
using System.Reflection;
using System.Text;

namespace Orchestrator.Core.RunSpec;

/// <summary>One settable property of a spec class and its YAML key.</summary>
internal sealed record SpecProperty(string Key, PropertyInfo Info, bool IsNullable);

/// <summary>
/// The shape of the run spec classes, read by reflection: each public property with a setter is a
/// key, named by the snake_case of the property (GlobalBatch is global_batch). Binding and writing
/// both use it, so that the model in RunSpec.cs is the only place a key is declared.
/// </summary>
internal static class RunSpecSchema
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<SpecProperty>> Cache = new();

    public static IReadOnlyList<SpecProperty> Properties(Type type) => Cache.GetOrAdd(type, Reflect);

    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>A nested section: a class other than string.</summary>
    public static bool IsSection(Type type) => type.IsClass && type != typeof(string) && !IsList(type);

    public static bool IsList(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>);

    private static IReadOnlyList<SpecProperty> Reflect(Type type)
    {
        var nullability = new NullabilityInfoContext();
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod is { IsPublic: true })
            .Select(p => new SpecProperty(
                SnakeCase(p.Name), p, nullability.Create(p).WriteState == NullabilityState.Nullable))
            .ToArray();
    }
}
