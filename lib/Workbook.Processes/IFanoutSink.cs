namespace Workbook.Processes;

/// <summary>Receives what a <see cref="Fanout{T}"/> delivers.</summary>
internal interface IFanoutSink<in T>
{
    /// <summary>Set once the destination went away; the sink is then dropped.</summary>
    bool Broken { get; }

    void OnItem(T item);

    void OnEnd();
}
