using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Notebooks.Tests;

/// <summary>
/// The documented way in (README → devcontainer) stays consistent with what the build requires: an image whose
/// SDK global.json accepts, the OS packages CI installs plus the load tools, Node, the pinned kernel, a licence.
/// </summary>
public class WayInTests
{
    private static string Root => ExecutedNotebooks.RepositoryRoot;

    private static JsonNode Json(string path) => JsonNode.Parse(File.ReadAllText(Path.Combine(Root, path)), documentOptions:
        new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!;

    [Fact]
    public void The_devcontainer_image_is_the_dotnet_10_line_that_ships_a_release_sdk()
    {
        var image = Json(".devcontainer/devcontainer.json")["image"]!.GetValue<string>();
        // devcontainers/images' history: the 1.x line's last 10.0 image carries 10.0.100-rc.2; every 2.x 10.0 image
        // (2.0.2: 10.0.100 … 2.3.2: 10.0.401) carries a release SDK.
        var tag = Regex.Match(image, @"^mcr\.microsoft\.com/devcontainers/dotnet:(\d+)(?:\.\d+)*-10\.0(-noble)?$");
        Assert.True(tag.Success, $"not a .NET 10 devcontainer image: {image}");
        Assert.True(int.Parse(tag.Groups[1].Value) >= 2, $"{image}: the 1.x line ships a prerelease SDK that global.json refuses");

        var sdk = Json("global.json")["sdk"]!;
        Assert.StartsWith("10.0.", sdk["version"]!.GetValue<string>());
        Assert.False(sdk["allowPrerelease"]!.GetValue<bool>());
    }

    [Fact]
    public void The_devcontainer_installs_what_ci_installs_plus_node_ab_wrk_and_pm2()
    {
        var postCreate = File.ReadAllText(Path.Combine(Root, ".devcontainer/post-create.sh"));
        Assert.Contains(".ci/install-os-packages .ci/os-packages .devcontainer/os-packages", postCreate);
        // dotnet cluster restores from the package the build writes, so the build comes first.
        Assert.True(postCreate.IndexOf("dotnet build Workbook.sln") is >= 0 and var build && build < postCreate.IndexOf("dotnet tool restore"),
            "post-create builds, then restores the tools");
        Assert.Contains("pm2@", postCreate);
        var extra = File.ReadAllLines(Path.Combine(Root, ".devcontainer/os-packages")).Where(l => !l.StartsWith('#'));
        Assert.Contains("apache2-utils", extra);
        Assert.Contains("wrk", extra);
        var features = Json(".devcontainer/devcontainer.json")["features"]!.AsObject();
        Assert.Contains(features, f => f.Key.StartsWith("ghcr.io/devcontainers/features/node:"));
    }

    [Fact]
    public void Vs_code_asks_for_the_kernel_the_tool_manifest_pins()
    {
        var pinned = Json(".config/dotnet-tools.json")["tools"]!["microsoft.dotnet-interactive"]!["version"]!.GetValue<string>();
        var settings = Json(".devcontainer/devcontainer.json")["customizations"]!["vscode"]!["settings"]!;
        Assert.Equal(pinned, settings["dotnet-interactive.requiredInteractiveToolVersion"]!.GetValue<string>());
    }

    [Fact]
    public void The_repository_is_mit_licensed()
    {
        var license = File.ReadAllText(Path.Combine(Root, "LICENSE"));
        Assert.StartsWith("MIT License", license);
        Assert.Contains("Permission is hereby granted, free of charge", license);
    }
}
