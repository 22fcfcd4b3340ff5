namespace Workbook.LoadTesting;

/// <summary>Why a request failed: the one key of failures in <see cref="LoadResult"/> and <see cref="SessionLoadResult"/>.</summary>
public enum FailureReason
{
    /// <summary>The connection was refused: nothing listens on the port.</summary>
    Refused,

    /// <summary>The connection broke (reset, or closed) before the response was complete.</summary>
    Reset,

    /// <summary>No complete response within the test's timeout (<see cref="LoadTest.Timeout"/>, <see cref="SessionLoadTest.Timeout"/>).</summary>
    Timeout,

    /// <summary>The server answered with a status outside 2xx (the result's <c>StatusCodes</c> say which). A session's page answered 401 is lost, not failed.</summary>
    Status,

    /// <summary>Open model only: the generator already had <see cref="LoadTest.MaxInFlight"/> requests waiting and did not send it.</summary>
    NotSent,

    /// <summary>Anything else (a response that is not HTTP, for example).</summary>
    Other,
}
