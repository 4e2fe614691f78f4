using System.Text;
using Corral.Linux;
using Microsoft.Win32.SafeHandles;

namespace Corral.Linux.Tests;

/// <summary>
/// The output thread and the end of a run: what a service wrote before the run ended must be in its
/// log before the last line without a newline is written (it once stayed unwritten until the next run).
/// </summary>
public sealed class OutputCollectorTests
{
    private sealed class Sink : IOutputSink
    {
        private readonly StringBuilder _text = new();
        public void Write(ReadOnlySpan<byte> data, bool isStderr)
        {
            lock (_text) _text.Append(isStderr ? "E:" : "").Append(Encoding.ASCII.GetString(data));
        }
        public string Text { get { lock (_text) return _text.ToString(); } }
    }

    [Fact]
    public async Task What_was_written_before_a_drain_has_reached_the_sink_when_the_drain_completes()
    {
        using var collector = new OutputCollector();
        var sink = new Sink();
        using var pipes = collector.Open(sink);
        using var stdout = new FileStream(new SafeFileHandle(pipes.StdoutWrite, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        using var stderr = new FileStream(new SafeFileHandle(pipes.StderrWrite, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        // Without the drain, the sink lags the pipe: the output thread reads when it next wakes.
        for (int i = 0; i < 200; i++)
        {
            stdout.Write(Encoding.ASCII.GetBytes($"[out {i}]"));
            stderr.Write(Encoding.ASCII.GetBytes($"[err {i}]"));
            await collector.DrainAsync(pipes).WaitAsync(TimeSpan.FromSeconds(10));
            string text = sink.Text;
            Assert.Contains($"[out {i}]", text);
            Assert.Contains($"E:[err {i}]", text);
        }
    }

    [Fact]
    public async Task A_drain_after_the_collector_is_disposed_completes_instead_of_waiting_forever()
    {
        var collector = new OutputCollector();
        var pipes = collector.Open(new Sink());
        collector.Dispose();
        await collector.DrainAsync(pipes).WaitAsync(TimeSpan.FromSeconds(10));
        pipes.Dispose();
    }
}
