using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// Debian's chromium, headless, in a fresh profile folder, driven over the Chrome DevTools Protocol on its
/// websocket: navigate, evaluate JavaScript, take screenshots. Disposing ends the process by its id.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    private readonly TemporaryFolder _profile;
    private readonly RoleProcess _process;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(TemporaryFolder profile, RoleProcess process)
    {
        _profile = profile;
        _process = process;
    }

    public static async Task<HeadlessChromium> StartAsync(int width, int height)
    {
        string program = InstalledProgram.Find("chromium", "chromium");
        var profile = new TemporaryFolder();
        var process = RoleProcess.StartProgram("chromium", program, profile.Path,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
            $"--user-data-dir={profile.Path}", "--remote-debugging-port=0",
            string.Create(CultureInfo.InvariantCulture, $"--window-size={width},{height}"), "about:blank",
        ]);
        var browser = new HeadlessChromium(profile, process);
        try
        {
            await browser.ConnectAsync();
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
        return browser;
    }

    /// <summary>Opens <paramref name="url"/> in the page and waits until its document has loaded.</summary>
    public async Task NavigateAsync(Uri url, TimeSpan limit)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        // Page.navigate answers once the navigation starts; until the new document is in, expressions run in the old one.
        await WaitUntilAsync(
            $"location.pathname === {JsonSerializer.Serialize(url.AbsolutePath)} && document.readyState === 'complete'", limit, $"{url.AbsolutePath} loaded");
    }

    /// <summary>The value of a JavaScript expression in the page (null when it is undefined).</summary>
    public async Task<JsonElement?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        if (result.TryGetProperty("exceptionDetails", out var exception))
        {
            throw new InvalidOperationException($"chromium: {expression}: {exception}");
        }
        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var v) ? v.Clone() : null;
    }

    /// <summary>Polls <paramref name="expression"/> until it is true; fails with the page's text when <paramref name="limit"/> passes.</summary>
    public async Task WaitUntilAsync(string expression, TimeSpan limit, string what)
    {
        using var deadline = new CancellationTokenSource(limit);
        while (!deadline.IsCancellationRequested)
        {
            if (await EvaluateAsync(expression) is { ValueKind: JsonValueKind.True })
            {
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), CancellationToken.None);
        }
        var text = await EvaluateAsync("document.body ? document.body.innerText : '(no body)'");
        throw new TimeoutException($"the page did not show {what} within {limit.TotalSeconds} s; it shows:\n{text}");
    }

    /// <summary>A PNG of the page as laid out now.</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        return Convert.FromBase64String(result.GetProperty("data").GetString()!);
    }

    // Chromium writes the port it chose into <profile>/DevToolsActivePort; the page target's websocket
    // address comes from its /json/list.
    private async Task ConnectAsync()
    {
        string portFile = _profile.File("DevToolsActivePort");
        using var deadline = new CancellationTokenSource(StartLimit);
        while (!File.Exists(portFile) || (await File.ReadAllLinesAsync(portFile, CancellationToken.None)).Length < 2)
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"chromium did not open its DevTools port within {StartLimit.TotalSeconds} s:\n{_process.Output}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }
        string port = (await File.ReadAllLinesAsync(portFile, CancellationToken.None))[0].Trim();
        using var http = new HttpClient();
        using var targets = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/json/list"), deadline.Token));
        var page = targets.RootElement.EnumerateArray().First(t => t.GetProperty("type").GetString() == "page");
        await _socket.ConnectAsync(new Uri(page.GetProperty("webSocketDebuggerUrl").GetString()!), deadline.Token);
    }

    // One command at a time: send it, then read messages (skipping events) until its answer.
    private async Task<JsonElement> SendAsync(string method, JsonObject parameters)
    {
        int id = ++_nextId;
        var command = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(command.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, limit.Token);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, limit.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException($"chromium closed the DevTools connection:\n{_process.Output}");
                }
                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);
            using var answer = JsonDocument.Parse(message.ToArray());
            if (answer.RootElement.TryGetProperty("id", out var answered) && answered.GetInt32() == id)
            {
                if (answer.RootElement.TryGetProperty("error", out var error))
                {
                    throw new InvalidOperationException($"chromium: {method}: {error}");
                }
                return answer.RootElement.GetProperty("result").Clone();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", limit.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The process ends below whatever the socket says.
            }
        }
        _socket.Dispose();
        _process.Dispose();
        _profile.Dispose();
    }
}
