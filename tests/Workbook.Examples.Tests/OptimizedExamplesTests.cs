using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Workbook.Examples.Tests;

/// <summary>The processes the chapters start and measure run optimised code, whatever configuration was built.</summary>
public class OptimizedExamplesTests
{
    public static IEnumerable<object[]> Names()
    {
        var examples = Path.Combine(RepositoryRoot(), "examples");
        return Directory.GetDirectories(examples).Where(d => Directory.GetFiles(d, "*.csproj").Length > 0)
            .Select(d => new object[] { Path.GetFileName(d) });
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void An_example_and_the_libraries_beside_it_are_built_with_optimisations(string example)
    {
        var program = Programs.Dll(example);
        Assert.True(File.Exists(program), $"{program} was not built");
        var ours = Directory.GetFiles(Path.GetDirectoryName(program)!, "Workbook.*.dll").Append(program).ToList();
        Assert.All(ours, dll => Assert.False(OptimisationsDisabled(dll), $"{dll} was compiled without optimisations"));
    }

    /// <summary>What the compiler says in the assembly's DebuggableAttribute (DisableOptimizations = 0x100).</summary>
    private static bool OptimisationsDisabled(string dll)
    {
        using var pe = new PEReader(File.OpenRead(dll));
        var reader = pe.GetMetadataReader();
        foreach (var handle in reader.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference) continue;
            var type = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
            if (type.Kind != HandleKind.TypeReference || reader.GetString(reader.GetTypeReference((TypeReferenceHandle)type).Name) != "DebuggableAttribute") continue;
            var blob = reader.GetBlobReader(attribute.Value);
            blob.ReadUInt16(); // prolog
            return (blob.ReadInt32() & 0x100) != 0;
        }
        return false;
    }

    private static string RepositoryRoot()
    {
        // artifacts/bin/<project>/<configuration>/ is where this test runs from.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Workbook.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Workbook.sln not found above " + AppContext.BaseDirectory);
    }
}
