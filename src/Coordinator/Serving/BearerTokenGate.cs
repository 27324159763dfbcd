using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Orchestrator.Coordinator.Serving;

/// <summary>
/// Lets a request through only with <c>Authorization: Bearer &lt;token&gt;</c> (RFC 6750); otherwise
/// 401 with a <c>WWW-Authenticate: Bearer</c> challenge, and for a wrong token error="invalid_token".
/// The paths of <paramref name="openPaths"/> (a page that holds no data) need no token.
/// </summary>
internal sealed class BearerTokenGate(string token, IReadOnlyCollection<string> openPaths)
{
    private const string Scheme = "Bearer";
    private const string Realm = "orchestrator-checkpoints";

    // Hashes of equal length are compared in constant time, so neither the token's bytes nor its
    // length can be learnt from response times.
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (openPaths.Contains(context.Request.Path.Value))
        {
            await next(context);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            Challenge(context, "");
            return;
        }

        var presented = header.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase) ? header[(Scheme.Length + 1)..].Trim() : "";
        if (!Matches(presented))
        {
            Challenge(context, ", error=\"invalid_token\"");
            return;
        }

        await next(context);
    }

    private bool Matches(string presented) =>
        CryptographicOperations.FixedTimeEquals(_expected, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    private static void Challenge(HttpContext context, string error)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers[HeaderNames.WWWAuthenticate] = $"{Scheme} realm=\"{Realm}\"{error}";
    }
}
