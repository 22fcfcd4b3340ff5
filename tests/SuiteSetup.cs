// Compiled into every *.Tests project (see Directory.Build.props): tests run one at a time, and the
// leftover-process check runs after all of them.
using Workbook.Testing;

[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
[assembly: Xunit.TestCollectionOrderer("Workbook.Testing.SuiteOrder", "Workbook.Testing")]

namespace Workbook.Testing.Suite;

[Xunit.Collection(SuiteOrder.LastCollection)]
public sealed class NoProcessLeftBehind : NoProcessLeftBehindCheck;
