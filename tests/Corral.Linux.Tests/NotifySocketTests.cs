using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Corral.Linux.Notify;

namespace Corral.Linux.Tests;

/// <summary>
/// The notification socket against real senders: this process, another user, descriptors passed
/// along, datagrams too long, and sd_notify's barrier.
/// </summary>
public sealed class NotifySocketTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("corral-notify-").FullName;
    private readonly BlockingCollection<NotifyDatagram> _received = new();
    private readonly NotifySocket _socket;

    public NotifySocketTests()
    {
        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101);
        _socket = new NotifySocket(Path.Combine(_dir, "notify"), d => _received.Add(d));
    }

    private NotifyDatagram Next()
    {
        Assert.True(_received.TryTake(out var d, TimeSpan.FromSeconds(10)), "no datagram arrived");
        return d!;
    }

    /// <summary>sendmsg with optional descriptors, as sd_notify sends.</summary>
    private unsafe void Send(byte[] payload, params int[] fds)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(_socket.Path));
        int controlLength = fds.Length == 0 ? 0 : (int)Interop.CmsgAlign((nuint)(sizeof(Interop.CmsgHdr) + 4 * fds.Length));
        byte* control = stackalloc byte[Math.Max(controlLength, 1)];
        fixed (byte* p = payload)
        {
            var iov = new Interop.IoVec { Base = p, Length = (nuint)payload.Length };
            var msg = new Interop.MsgHdr { Iov = &iov, IovLength = 1 };
            if (fds.Length > 0)
            {
                var h = (Interop.CmsgHdr*)control;
                h->Length = (nuint)(sizeof(Interop.CmsgHdr) + 4 * fds.Length);
                h->Level = 1; // SOL_SOCKET
                h->Type = Interop.SCM_RIGHTS;
                for (int i = 0; i < fds.Length; i++) ((int*)(control + sizeof(Interop.CmsgHdr)))[i] = fds[i];
                msg.Control = control;
                msg.ControlLength = (nuint)controlLength;
            }
            Assert.True(Interop.Sendmsg((int)s.Handle, &msg, 0) >= 0, $"sendmsg: errno {Interop.LastErrno}");
        }
    }

    /// <summary>
    /// perl (in every Debian, with its Socket module) sends READY=1 to <paramref name="path"/>, as the
    /// user given; waited for. Spawned through the shared test reaper: System.Diagnostics.Process
    /// would fail on an exit the reaper's waitid(P_ALL) took first.
    /// </summary>
    private static int PerlSends(string path, int? uid = null)
    {
        var spawner = new Corral.Linux.Spawn.Spawner(Path.Combine(TestReaper.RepoRoot(), "bin", "corral-exec"), TestReaper.Instance);
        using var exited = new ManualResetEventSlim();
        int code = -1;
        using var p = spawner.Spawn(new Corral.Linux.Spawn.SpawnRequest
        {
            Executable = "/usr/bin/perl",
            Argv = ["perl", "-MSocket", "-e", $"socket(my $s, PF_UNIX, SOCK_DGRAM, 0) or die; send($s, 'READY=1', 0, pack_sockaddr_un('{path}')) or die \"send: $!\""],
            Environment = [], CgroupDirs = [], Uid = uid, Gid = uid, Groups = uid is null ? null : [],
        }, (_, status) => { code = status.Code == Core.State.ExitCode.Exited ? status.Value : 128 + status.Value; exited.Set(); });
        Assert.True(exited.Wait(TimeSpan.FromSeconds(20)), "perl did not end");
        return code;
    }

    private static unsafe nint ReadOne(int fd)
    {
        byte x;
        return Interop.Read(fd, &x, 1);
    }

    private static int OpenFds() => Directory.GetFiles("/proc/self/fd").Length;

    [Fact]
    public void A_datagram_arrives_with_the_credentials_the_kernel_vouches_for()
    {
        Send(Encoding.ASCII.GetBytes("READY=1\nSTATUS=up"));
        var d = Next();
        Assert.Equal((Environment.ProcessId, 0, 0), (d.Pid, d.Uid, d.Gid));
        Assert.Equal("READY=1\nSTATUS=up", Encoding.ASCII.GetString(d.Payload));
        Assert.False(d.Oversized || d.NoCredentials);
    }

    [Fact]
    public void Another_users_process_can_write_and_is_named_by_its_own_credentials()
    {
        Assert.Equal(0, PerlSends(_socket.Path, uid: 65534));
        var d = Next();
        Assert.Equal((65534, 65534), (d.Uid, d.Gid));
        Assert.Equal("READY=1", Encoding.ASCII.GetString(d.Payload));
    }

    [Fact]
    public void A_datagram_longer_than_4096_bytes_is_marked_oversized_and_cut()
    {
        Send(Encoding.ASCII.GetBytes("STATUS=" + new string('x', 5000)));
        var d = Next();
        Assert.True(d.Oversized);
        Assert.Equal(NotifySocket.MaxBytes, d.Payload.Length);
    }

    [Fact]
    public void Descriptors_sent_along_are_all_closed_and_the_daemon_keeps_none()
    {
        var pipes = Enumerable.Range(0, 50).Select(_ => Interop.Pipe2()).ToList();
        int before = OpenFds() - 100; // what is open once the test's own pipe ends are closed again
        Send(Encoding.ASCII.GetBytes("FDSTORE=1"), pipes.SelectMany(p => new[] { p.Read, p.Write }).ToArray());
        foreach (var (r, w) in pipes) { Interop.Close(r); Interop.Close(w); }
        Assert.Equal(100, Next().FdsClosed);
        Assert.True(SpinWait.SpinUntil(() => OpenFds() <= before, TimeSpan.FromSeconds(5)), $"{OpenFds()} descriptors open, {before} before");
    }

    [Fact]
    public async Task A_barrier_is_answered_once_every_message_before_it_was_handed_on()
    {
        var (read, write) = Interop.Pipe2();
        Send(Encoding.ASCII.GetBytes("STATUS=first"));
        Send(Encoding.ASCII.GetBytes("BARRIER=1"), write);
        Interop.Close(write);
        // The read end sees end-of-file once the socket closed the write end it was given.
        var eof = Task.Run(() => ReadOne(read));
        Assert.Equal(0, await eof.WaitAsync(TimeSpan.FromSeconds(5))); // a TimeoutException: the descriptor was not closed
        Interop.Close(read);
        Assert.Equal("STATUS=first", Encoding.ASCII.GetString(Next().Payload));
        Assert.Equal(1, Next().FdsClosed);
    }

    [Fact]
    public void The_senders_pidfd_tells_whether_the_pid_still_names_the_sender_when_the_datagram_is_handled()
    {
        var seen = new BlockingCollection<(int Pid, bool HadPidFd, bool Alive)>();
        using var slow = new NotifySocket(Path.Combine(_dir, "slow"), d =>
        {
            // Handled a while after it came: a sender that exits at once is gone by then.
            if (d.Pid != Environment.ProcessId) Thread.Sleep(1000);
            seen.Add((d.Pid, d.SenderPidFd >= 0, d.SenderAlive()));
        });
        using (var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
            s.SendTo(Encoding.ASCII.GetBytes("READY=1"), new UnixDomainSocketEndPoint(slow.Path));
        Assert.Equal(0, PerlSends(slow.Path));

        Assert.True(seen.TryTake(out var me, TimeSpan.FromSeconds(10)));
        Assert.Equal((Environment.ProcessId, true, true), me);
        Assert.True(seen.TryTake(out var gone, TimeSpan.FromSeconds(10)));
        Assert.Equal((true, false), (gone.HadPidFd, gone.Alive));
    }

    public void Dispose()
    {
        _socket.Dispose();
        Assert.False(File.Exists(_socket.Path));
        Directory.Delete(_dir, recursive: true);
    }
}
