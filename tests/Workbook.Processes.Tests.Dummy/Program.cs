using Microsoft.Win32.SafeHandles;
using Workbook.Processes;

// Each mode is one behaviour a test needs from a real child or parent process.
switch (args.ElementAtOrDefault(0))
{
    case "echo": // a forked child that sends every message back
        ParentProcess.Message += message => ParentProcess.Send(message);
        await Task.Delay(Timeout.Infinite);
        break;

    case "count": // sends N numbered messages, in order
        for (int i = 0; i < int.Parse(args[1]); i++) ParentProcess.Send(new { i });
        await Task.Delay(Timeout.Infinite);
        break;

    case "big": // sends one message carrying N characters
        ParentProcess.Send(new { text = new string('x', int.Parse(args[1])) });
        await Task.Delay(Timeout.Infinite);
        break;

    case "malformed": // writes a line that is not JSON straight onto the channel, then a good message
        using (var raw = new FileStream(new SafeFileHandle(3, ownsHandle: false), FileAccess.Write, bufferSize: 0))
            raw.Write("this is { not json\n"u8);
        ParentProcess.Send(new { after = "malformed" });
        await Task.Delay(Timeout.Infinite);
        break;

    case "crash": // dies at start-up, before saying anything
        return 3;

    case "no-channel-code": // never touches ParentProcess: the startup hook alone ties it to the parent
        await Task.Delay(Timeout.Infinite);
        break;

    case "on-disconnect": // handles the parent going away itself
        ParentProcess.ExitOnDisconnect = false;
        ParentProcess.Disconnected += () =>
        {
            Console.WriteLine("parent gone");
            Environment.Exit(7);
        };
        await Task.Delay(Timeout.Infinite);
        break;

    case "pwd": // says its working directory
        Console.WriteLine(Environment.CurrentDirectory);
        break;

    case "disconnect-twice": // disconnects from its parent, then again, and says what the second call did
        ParentProcess.Disconnect();
        try
        {
            ParentProcess.Disconnect();
            Console.WriteLine("second disconnect: nothing");
        }
        catch (ChannelClosedException e)
        {
            Console.WriteLine($"second disconnect: {e.Code}: {e.Message}");
        }
        break;

    case "fork-grandchild": // forks an echo child, says its pid, and waits to be killed
        var grandchild = ChildProcess.Fork(typeof(Program).Assembly.Location, ["echo"]);
        Console.WriteLine($"grandchild {grandchild.Pid}");
        await Task.Delay(Timeout.Infinite);
        break;

    case "spawn-sleeper": // spawn-sleeper detached|attached unref|ref: starts `sleep 30`, says its pid, exits
        var sleeper = ChildProcess.Spawn("sleep", ["30"], new SpawnOptions { Detached = args[1] == "detached", Stdio = StdioMode.Ignore });
        if (args[2] == "unref") sleeper.Unref();
        Console.WriteLine($"sleeper {sleeper.Pid}");
        break;

    default:
        Console.Error.WriteLine($"unknown mode '{string.Join(' ', args)}'");
        return 2;
}
return 0;
