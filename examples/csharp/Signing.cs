using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace BrSdk.ScheduleExample
{
    /// <summary>
    /// Signs requests with HMAC-SHA256, as a sidecar with <c>SCHEDULER_AUTH=signed</c> requires
    /// (docs/security.md, "The protocol"). The secret is the base64 text of the sidecar's
    /// <c>&lt;requester_id&gt;.hmac</c> file. (.NET has no built-in Ed25519: for Ed25519 keys use NSec or
    /// BouncyCastle over the same signing inputs.)
    /// </summary>
    public sealed class RequestSigner
    {
        readonly byte[] secret;

        public RequestSigner(string requesterId, byte[] secret)
        {
            RequesterId = requesterId ?? throw new ArgumentNullException(nameof(requesterId));
            this.secret = secret ?? throw new ArgumentNullException(nameof(secret));
        }

        /// <summary>Reads the base64 secret from a file, as <c>br-schedule keygen --hmac</c> writes it.</summary>
        public static RequestSigner FromSecretFile(string requesterId, string path)
        {
            return new RequestSigner(requesterId, Convert.FromBase64String(File.ReadAllText(path).Trim()));
        }

        public string RequesterId { get; }

        /// <summary>The four REST headers for one request, over the method, the target as sent, and the body bytes.</summary>
        public IDictionary<string, string> SignHttp(string method, string target, byte[] body)
        {
            var timestamp = Now();
            var nonce = NewNonce();
            return new Dictionary<string, string>
            {
                ["X-Br-Requester-Id"] = RequesterId,
                ["X-Br-Timestamp"] = timestamp,
                ["X-Br-Nonce"] = nonce,
                ["X-Br-Signature"] = Sign(HttpSigningInput(method, target, RequesterId, timestamp, nonce, body)),
            };
        }

        /// <summary>A copy of a WebSocket (or AMQP) message with requester_id, timestamp, nonce and requester_signature.</summary>
        public Dictionary<string, object> SignMessage(IDictionary<string, object> message)
        {
            var signed = new Dictionary<string, object>(message, StringComparer.Ordinal)
            {
                ["requester_id"] = RequesterId,
                ["timestamp"] = Now(),
                ["nonce"] = NewNonce(),
            };
            signed.Remove("requester_signature");
            signed["requester_signature"] = Sign(MessageSigningInput(signed));
            return signed;
        }

        /// <summary>Seven lines: context, METHOD, path?query, requester, timestamp, nonce, hex SHA-256 of the body.</summary>
        public static string HttpSigningInput(string method, string target, string requesterId, string timestamp, string nonce, byte[] body)
        {
            string digest;
            using (var sha = SHA256.Create()) digest = Hex(sha.ComputeHash(body ?? new byte[0]));
            return string.Join("\n", "br-schedule/http/v1", method.ToUpperInvariant(), target, requesterId, timestamp, nonce, digest);
        }

        /// <summary>The context line, then the message without requester_signature in RFC 8785 canonical JSON.</summary>
        public static string MessageSigningInput(IDictionary<string, object> message)
        {
            var unsigned = message.Where(p => p.Key != "requester_signature").ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            return "br-schedule/request/v1\n" + CanonicalJson.Write(unsigned);
        }

        /// <summary>base64 (padded) of HMAC-SHA256 over the UTF-8 signing input.</summary>
        public string Sign(string signingInput)
        {
            using (var hmac = new HMACSHA256(secret)) return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(signingInput)));
        }

        static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        /// <summary>16 random bytes, base64url without padding: never reused.</summary>
        static string NewNonce()
        {
            var bytes = new byte[16];
            using (var random = RandomNumberGenerator.Create()) random.GetBytes(bytes);
            return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }

        static string Hex(byte[] bytes) => string.Concat(bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// Signs every request an HttpClient sends: <c>new HttpClient(new SigningHandler(signer))</c>. Here the
    /// request URI is already absolute (BaseAddress applied), so the target is exactly the path and query
    /// on the request line; the body is the content's bytes. A retry is a new request, with a new nonce.
    /// </summary>
    public sealed class SigningHandler : DelegatingHandler
    {
        readonly RequestSigner signer;

        public SigningHandler(RequestSigner signer) : base(new HttpClientHandler())
        {
            this.signer = signer ?? throw new ArgumentNullException(nameof(signer));
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellation)
        {
            var body = request.Content == null ? new byte[0] : await request.Content.ReadAsByteArrayAsync();
            foreach (var header in signer.SignHttp(request.Method.Method, request.RequestUri.PathAndQuery, body))
            {
                request.Headers.Remove(header.Key);
                request.Headers.Add(header.Key, header.Value);
            }
            return await base.SendAsync(request, cancellation);
        }
    }

    /// <summary>
    /// RFC 8785 canonical JSON: members sorted by UTF-16 code units, no whitespace, strings escaped as
    /// JavaScript's JSON.stringify does, numbers in JavaScript's shortest form. Values as Json.cs reads them.
    /// </summary>
    public static class CanonicalJson
    {
        const long MaxSafeInteger = 9007199254740992; // 2^53: larger longs are doubles on the scheduler's side

        public static string Write(object value)
        {
            var b = new StringBuilder();
            WriteValue(b, value);
            return b.ToString();
        }

        static void WriteValue(StringBuilder b, object value)
        {
            if (value == null) b.Append("null");
            else if (value is string s) WriteString(b, s);
            else if (value is bool flag) b.Append(flag ? "true" : "false");
            else if (value is int i) b.Append(i.ToString(CultureInfo.InvariantCulture));
            else if (value is long l)
                b.Append(Math.Abs((double)l) <= MaxSafeInteger ? l.ToString(CultureInfo.InvariantCulture) : Number(l));
            else if (value is double d) b.Append(Number(d));
            else if (value is IDictionary<string, object> map)
            {
                b.Append('{');
                var first = true;
                foreach (var key in map.Keys.OrderBy(k => k, StringComparer.Ordinal)) // ordinal: by UTF-16 code units
                {
                    if (!first) b.Append(',');
                    first = false;
                    WriteString(b, key);
                    b.Append(':');
                    WriteValue(b, map[key]);
                }
                b.Append('}');
            }
            else if (value is IEnumerable list)
            {
                b.Append('[');
                var first = true;
                foreach (var item in list)
                {
                    if (!first) b.Append(',');
                    first = false;
                    WriteValue(b, item);
                }
                b.Append(']');
            }
            else throw new ArgumentException("cannot write a " + value.GetType().Name + " as JSON");
        }

        static void WriteString(StringBuilder b, string s)
        {
            b.Append('"');
            foreach (var c in s)
            {
                switch (c)
                {
                    case '"': b.Append("\\\""); break;
                    case '\\': b.Append("\\\\"); break;
                    case '\b': b.Append("\\b"); break;
                    case '\t': b.Append("\\t"); break;
                    case '\n': b.Append("\\n"); break;
                    case '\f': b.Append("\\f"); break;
                    case '\r': b.Append("\\r"); break;
                    default:
                        if (c < ' ') b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else b.Append(c);
                        break;
                }
            }
            b.Append('"');
        }

        /// <summary>A double as JavaScript's Number.prototype.toString writes it (1e+21, 1e-7, 0.1, -0 as 0).</summary>
        public static string Number(double d)
        {
            if (double.IsNaN(d) || double.IsInfinity(d)) throw new ArgumentException("JSON has no NaN or infinity");
            if (d == 0) return "0";
            // The fewest significant digits that read back as the same double.
            string e = null;
            for (var precision = 1; precision <= 17; precision++)
            {
                e = Math.Abs(d).ToString("E" + (precision - 1), CultureInfo.InvariantCulture);
                if (double.Parse(e, CultureInfo.InvariantCulture) == Math.Abs(d)) break;
            }
            var parts = e.Split('E');
            var digits = parts[0].Replace(".", "").TrimEnd('0');
            if (digits.Length == 0) digits = "0";
            var k = digits.Length;
            var n = int.Parse(parts[1], CultureInfo.InvariantCulture) + 1; // the decimal point's place
            string text;
            if (k <= n && n <= 21) text = digits + new string('0', n - k);
            else if (0 < n && n <= 21) text = digits.Substring(0, n) + "." + digits.Substring(n);
            else if (-6 < n && n <= 0) text = "0." + new string('0', -n) + digits;
            else
            {
                var exponent = (n - 1 < 0 ? "-" : "+") + Math.Abs(n - 1).ToString(CultureInfo.InvariantCulture);
                text = (k == 1 ? digits : digits.Substring(0, 1) + "." + digits.Substring(1)) + "e" + exponent;
            }
            return d < 0 ? "-" + text : text;
        }
    }

    /// <summary>
    /// Checks this file against spec/vectors/signing.json (the <c>http</c> and <c>messages</c> cases, HMAC):
    /// <c>mono ScheduleExample.exe --self-test-vectors spec/vectors/signing.json</c>.
    /// </summary>
    public static class SigningVectors
    {
        /// <returns>the number of cases that did not match</returns>
        public static int Check(string path, TextWriter output)
        {
            var vectors = Json.ParseObject(File.ReadAllText(path));
            var signer = new RequestSigner(
                vectors.Obj("keys").Str("requester_id"),
                Convert.FromBase64String(vectors.Obj("keys").Str("requester_hmac_secret_base64")));
            var failures = 0;
            foreach (var v in vectors.Arr("http").OfType<Dictionary<string, object>>())
            {
                var input = RequestSigner.HttpSigningInput(v.Str("method"), v.Str("target"), v.Str("requester_id"),
                    v.Str("timestamp"), v.Str("nonce"), Encoding.UTF8.GetBytes(v.Str("body")));
                failures += Report(output, "http: " + v.Str("name"), input == v.Str("signing_input"),
                    signer.Sign(input) == v.Str("hmac_signature"));
            }
            foreach (var v in vectors.Arr("messages").OfType<Dictionary<string, object>>())
            {
                var input = RequestSigner.MessageSigningInput(v.Obj("message"));
                failures += Report(output, "message: " + v.Str("name"), input == v.Str("signing_input"),
                    signer.Sign(input) == v.Str("hmac_signature"));
            }
            return failures;
        }

        static int Report(TextWriter output, string name, bool input, bool signature)
        {
            output.WriteLine((input && signature ? "ok   " : "FAIL ") + name
                + (input ? "" : " (signing input differs)") + (signature ? "" : " (HMAC differs)"));
            return input && signature ? 0 : 1;
        }
    }
}
