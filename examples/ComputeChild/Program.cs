using Workbook.Processes;

// The notes' compute.js: each message { iterations } starts the long computation; the sum goes back.
await foreach (var message in ParentProcess.Messages())
{
    var iterations = message.GetProperty("iterations").GetInt64();
    ParentProcess.Send(new { sum = LongComputation.Run(iterations).ToString() });
}
