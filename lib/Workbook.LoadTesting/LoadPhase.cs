namespace Workbook.LoadTesting;

/// <summary>
/// One phase of a load profile. Closed phases set how many clients run at once (each sends its next request when
/// the previous one is answered); open phases set how many requests per second are sent, whatever the server does.
/// </summary>
public abstract record LoadPhase(TimeSpan Duration);
