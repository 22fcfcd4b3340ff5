namespace Workbook.Notebooks;

/// <summary>A backend as the proxy sees it now.</summary>
public sealed record ProxyBackend(string Name, string Url, string Health, int InFlight);
