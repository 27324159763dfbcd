using System.Net;
using System.Net.Sockets;

namespace Orchestrator.Trainer.Reduction;

/// <summary>
/// The socket a ring member listens on, opened once and kept across group generations: the member
/// reports <see cref="Endpoint"/> to the coordinator, and each generation's
/// TcpRingAllReduce.ConnectAsync accepts its left neighbour here, refusing stale ones.
/// </summary>
public sealed class RingListener : IDisposable
{
    private readonly Socket _socket;

    private RingListener(Socket socket, string endpoint)
    {
        _socket = socket;
        Endpoint = endpoint;
    }

    /// <summary>host:port that peers dial (the port actually bound when 0 was asked for).</summary>
    public string Endpoint { get; }

    /// <summary>
    /// Listens on <paramref name="host"/> (an IP address, or a name resolved once) and
    /// <paramref name="port"/> (0: any free port).
    /// </summary>
    public static RingListener Start(string host, int port, int socketBufferBytes = 4 * 1024 * 1024)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        var address = IPAddress.TryParse(host, out var parsed)
            ? parsed
            : Dns.GetHostAddresses(host).FirstOrDefault()
                ?? throw new ArgumentException($"ring listener host '{host}' resolves to no address", nameof(host));
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // The receive window is negotiated at connection set-up, so accepted sockets take it from here.
            socket.ReceiveBufferSize = socketBufferBytes;
            socket.SendBufferSize = socketBufferBytes;
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(64);
            int bound = ((IPEndPoint)socket.LocalEndPoint!).Port;
            string shown = address.AddressFamily == AddressFamily.InterNetworkV6 && IPAddress.TryParse(host, out _) ? $"[{host}]" : host;
            return new RingListener(socket, $"{shown}:{bound}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A pending connection, or null when none arrived within <paramref name="wait"/>.</summary>
    internal Socket? Accept(TimeSpan wait) =>
        _socket.Poll(wait, SelectMode.SelectRead) ? _socket.Accept() : null;

    public void Dispose() => _socket.Dispose();
}
