using Workbook.Processes;

// The notes' child.js. Started with ChildProcess.Fork, it exits by itself when the parent disconnects or dies: the
// workbook's ParentProcess.ExitOnDisconnect (a Node child would go on until its next process.send failed).
ParentProcess.Message += message => Console.WriteLine($"Message from parent: {message}");

for (var counter = 0; ; counter++)
{
    await Task.Delay(TimeSpan.FromSeconds(1));
    ParentProcess.Send(new { counter });
}
