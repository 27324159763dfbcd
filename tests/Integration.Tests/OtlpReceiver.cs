using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// A minimal OTLP/HTTP endpoint on 127.0.0.1: it answers 200 to every export request and keeps the
/// protobuf bodies by path, so a test can look for metric and span names (stored as plain UTF-8).
/// </summary>
internal sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, List<byte[]>> _bodies = [];
    private readonly Task _loop;

    public OtlpReceiver()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Every body posted to <paramref name="path"/> so far.</summary>
    public List<byte[]> Bodies(string path)
    {
        lock (_bodies)
        {
            return _bodies.TryGetValue(path, out var bodies) ? [.. bodies] : [];
        }
    }

    /// <summary>Whether any body posted to <paramref name="path"/> contains <paramref name="text"/>.</summary>
    public bool Received(string path, string text)
    {
        byte[] needle = Encoding.UTF8.GetBytes(text);
        lock (_bodies)
        {
            return _bodies.TryGetValue(path, out var bodies) && bodies.Any(b => b.AsSpan().IndexOf(needle) >= 0);
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            lock (_bodies)
            {
                string path = context.Request.Url!.AbsolutePath;
                if (!_bodies.TryGetValue(path, out var list))
                {
                    _bodies[path] = list = [];
                }
                list.Add(body.ToArray());
            }
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(10));
    }
}
