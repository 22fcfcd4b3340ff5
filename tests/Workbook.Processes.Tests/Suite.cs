using Workbook.Testing;

[assembly: CollectionBehavior(DisableTestParallelization = true)]
[assembly: TestCollectionOrderer("Workbook.Testing.SuiteOrder", "Workbook.Testing")]

namespace Workbook.Processes.Tests;

[Collection(SuiteOrder.LastCollection)]
public sealed class NoProcessLeftBehind : NoProcessLeftBehindCheck;
