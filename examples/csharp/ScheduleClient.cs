using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace BrSdk.ScheduleExample
{
    /// <summary>One entry of a problem document's <c>issues</c>: the field, as the client wrote it, and what is wrong.</summary>
    public sealed class Issue
    {
        public Issue(string path, string message)
        {
            Path = path;
            Message = message;
        }

        public string Path { get; }
        public string Message { get; }

        public override string ToString() => Path + ": " + Message;
    }

    /// <summary>
    /// An error answer of the scheduler: an RFC 9457 problem document (<c>application/problem+json</c>).
    /// Branch on <see cref="Code"/> (stable), never on <see cref="Detail"/> (wording may change).
    /// </summary>
    public sealed class ProblemException : Exception
    {
        public ProblemException(int status, string code, string type, string title, string detail, IReadOnlyList<Issue> issues)
            : base(status + " " + code + ": " + detail)
        {
            Status = status;
            Code = code;
            Type = type;
            Title = title;
            Detail = detail;
            Issues = issues;
        }

        public int Status { get; }
        public string Code { get; }
        public string Type { get; }
        public string Title { get; }
        public string Detail { get; }
        public IReadOnlyList<Issue> Issues { get; }

        /// <summary>True for the answers worth retrying later: 503 (not running yet, store busy, shutting down).</summary>
        public bool IsTransient => Status == 503;
    }

    /// <summary>
    /// The scheduler's REST API over a plain <see cref="HttpClient"/>: every call is one request, JSON in
    /// and out, errors thrown as <see cref="ProblemException"/>. Tasks come back as parsed JSON objects
    /// (see docs/api.md, "A task"). The HttpClient is the caller's: share one for the process.
    /// </summary>
    public sealed class ScheduleClient
    {
        readonly HttpClient http;

        /// <param name="http">an HttpClient whose BaseAddress is the sidecar's URL and ends with '/'</param>
        public ScheduleClient(HttpClient http)
        {
            this.http = http ?? throw new ArgumentNullException(nameof(http));
            if (http.BaseAddress == null || !http.BaseAddress.AbsolutePath.EndsWith("/", StringComparison.Ordinal))
                throw new ArgumentException("the HttpClient needs a BaseAddress ending with '/'", nameof(http));
        }

        /// <summary>
        /// POST /v1/tasks with an Idempotency-Key: the task's id is derived from the requester and the key,
        /// so sending the same request again (after a timeout, a dropped connection or a 503) answers the
        /// task the first attempt created instead of creating a second one. Retries up to three times.
        /// </summary>
        public async Task<Dictionary<string, object>> CreateTaskAsync(
            IDictionary<string, object> task, string idempotencyKey, CancellationToken cancellation = default)
        {
            var body = Json.Write(task);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await SendAsync(HttpMethod.Post, "v1/tasks", body, idempotencyKey, cancellation);
                }
                catch (Exception e) when (attempt < 3 && IsRetryable(e) && !cancellation.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt), cancellation);
                }
            }
        }

        /// <summary>GET /v1/tasks/{id}: the task, with <c>status</c>, <c>next_fires</c> and <c>last_run</c>.</summary>
        public Task<Dictionary<string, object>> GetTaskAsync(string id, CancellationToken cancellation = default)
        {
            return SendAsync(HttpMethod.Get, TaskPath(id), null, null, cancellation);
        }

        /// <summary>GET /v1/tasks?requester_id=…, following <c>next_cursor</c> until the last page.</summary>
        public async Task<List<Dictionary<string, object>>> ListTasksAsync(
            string requesterId, string status = null, CancellationToken cancellation = default)
        {
            var tasks = new List<Dictionary<string, object>>();
            string cursor = null;
            do
            {
                var query = "v1/tasks?requester_id=" + Uri.EscapeDataString(requesterId) + "&limit=100";
                if (status != null) query += "&status=" + Uri.EscapeDataString(status);
                if (cursor != null) query += "&cursor=" + Uri.EscapeDataString(cursor);
                var page = await SendAsync(HttpMethod.Get, query, null, null, cancellation);
                tasks.AddRange((page.Arr("tasks") ?? new List<object>()).OfType<Dictionary<string, object>>());
                cursor = page.Str("next_cursor");
            } while (cursor != null);
            return tasks;
        }

        /// <summary>GET /v1/tasks/{id}/runs: the task's finished runs, newest first (one page).</summary>
        public async Task<List<Dictionary<string, object>>> ListRunsAsync(
            string id, int limit = 10, CancellationToken cancellation = default)
        {
            var page = await SendAsync(HttpMethod.Get, TaskPath(id) + "/runs?limit=" + limit, null, null, cancellation);
            return (page.Arr("runs") ?? new List<object>()).OfType<Dictionary<string, object>>().ToList();
        }

        /// <summary>DELETE /v1/tasks/{id}: cancels for good; 409 TASK_NOT_ACTIVE if it already completed.</summary>
        public Task<Dictionary<string, object>> CancelTaskAsync(string id, CancellationToken cancellation = default)
        {
            return SendAsync(HttpMethod.Delete, TaskPath(id), null, null, cancellation);
        }

        /// <summary>POST /v1/tasks/{id}/pause: keeps the task without firing it.</summary>
        public Task<Dictionary<string, object>> PauseTaskAsync(string id, CancellationToken cancellation = default)
        {
            return SendAsync(HttpMethod.Post, TaskPath(id) + "/pause", null, null, cancellation);
        }

        /// <summary>POST /v1/tasks/{id}/resume: fires it again from now on.</summary>
        public Task<Dictionary<string, object>> ResumeTaskAsync(string id, CancellationToken cancellation = default)
        {
            return SendAsync(HttpMethod.Post, TaskPath(id) + "/resume", null, null, cancellation);
        }

        /// <summary>POST /v1/tasks/{id}/trigger: runs it once now; answers <c>{ run_id, task }</c> (202).</summary>
        public Task<Dictionary<string, object>> TriggerTaskAsync(string id, CancellationToken cancellation = default)
        {
            return SendAsync(HttpMethod.Post, TaskPath(id) + "/trigger", null, null, cancellation);
        }

        static string TaskPath(string id) => "v1/tasks/" + Uri.EscapeDataString(id);

        static bool IsRetryable(Exception e)
        {
            // HttpRequestException: no answer (refused, reset); TaskCanceledException: HttpClient.Timeout.
            return e is HttpRequestException || e is TaskCanceledException || (e is ProblemException p && p.IsTransient);
        }

        /// <summary>One request: JSON body if any, the answer parsed, a problem document thrown.</summary>
        async Task<Dictionary<string, object>> SendAsync(
            HttpMethod method, string relativeUri, string jsonBody, string idempotencyKey, CancellationToken cancellation)
        {
            using (var request = new HttpRequestMessage(method, relativeUri))
            {
                if (jsonBody != null) request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
                if (idempotencyKey != null) request.Headers.Add("Idempotency-Key", idempotencyKey);
                request.Headers.Accept.ParseAdd("application/json");
                request.Headers.Accept.ParseAdd("application/problem+json");
                using (var response = await http.SendAsync(request, cancellation))
                {
                    var text = response.Content == null ? "" : await response.Content.ReadAsStringAsync();
                    if (response.IsSuccessStatusCode) return text.Length == 0 ? new Dictionary<string, object>() : Json.ParseObject(text);
                    throw ToException(response, text);
                }
            }
        }

        static Exception ToException(HttpResponseMessage response, string text)
        {
            var mediaType = response.Content?.Headers.ContentType?.MediaType;
            var status = (int)response.StatusCode;
            if (mediaType != "application/problem+json")
            {
                // Not the scheduler's answer (a proxy's error page, say).
                var snippet = text.Length > 200 ? text.Substring(0, 200) + "…" : text;
                return new HttpRequestException("HTTP " + status + " " + response.ReasonPhrase + " (" + mediaType + "): " + snippet);
            }
            var problem = Json.ParseObject(text);
            var issues = (problem.Arr("issues") ?? new List<object>())
                .OfType<Dictionary<string, object>>()
                .Select(i => new Issue(i.Str("path"), i.Str("message")))
                .ToList();
            return new ProblemException(
                (int)(problem.Long("status") ?? status),
                problem.Str("code"),
                problem.Str("type"),
                problem.Str("title"),
                problem.Str("detail"),
                issues);
        }
    }
}
