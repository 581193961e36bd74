using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace BrSdk.ScheduleExample
{
    /// <summary>
    /// A C# service using the br-sdk scheduler sidecar with nothing but HttpClient (and ClientWebSocket).
    ///
    ///   mono ScheduleExample.exe [sidecar-url] [--once target-url] [--requester uuid] [--hmac-secret file]
    ///
    /// The sidecar URL comes from the first argument or BR_SCHEDULE_URL (default http://127.0.0.1:8080).
    /// With --hmac-secret (or BR_SCHEDULE_HMAC_SECRET_FILE) every request is signed with the requester's
    /// HMAC secret, as a sidecar with SCHEDULER_AUTH=signed requires (Signing.cs).
    /// Without --once: schedules the four example calendars in Asia/Tehran, prints the next fires,
    /// lists, pauses, resumes and cancels the task. With --once: a one-shot 2 s ahead that POSTs to
    /// target-url, waits for its result, triggers it once more, reads its runs, and has a second
    /// one-shot's result pushed over the WebSocket.
    /// Both also send a bad schedule (minute 61) and check the problem document.
    ///
    /// Exit codes: 0 every step behaved as expected; 1 an answer was not what was expected (or a run
    /// did not finish in time); 2 bad arguments; 3 the scheduler could not be reached.
    /// </summary>
    public static class Program
    {
        public const int ExitOk = 0;
        public const int ExitUnexpected = 1;
        public const int ExitUsage = 2;
        public const int ExitUnreachable = 3;

        const string Usage = "usage: mono ScheduleExample.exe [sidecar-url] [--once target-url] [--requester uuid] [--hmac-secret file]";

        // C# 7.2 (mcs) has no async Main: block on the async one here, and nowhere else.
        public static int Main(string[] args) => MainAsync(args).GetAwaiter().GetResult();

        static async Task<int> MainAsync(string[] args)
        {
            Options options;
            try
            {
                options = Options.Parse(args);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                Console.Error.WriteLine(Usage);
                return ExitUsage;
            }
            if (options.Help)
            {
                Console.WriteLine(Usage);
                return ExitOk;
            }
            if (options.SelfTestVectors != null) return SigningVectors.Check(options.SelfTestVectors, Console.Out) == 0 ? ExitOk : ExitUnexpected;

            try
            {
                // Signed: a handler adds the four X-Br-* headers to every request (Signing.cs).
                var handler = options.Signer != null ? new SigningHandler(options.Signer) : (HttpMessageHandler)new HttpClientHandler();
                using (var http = new HttpClient(handler) { BaseAddress = options.SchedulerUrl, Timeout = TimeSpan.FromSeconds(10) })
                {
                    var demo = new Demo(new ScheduleClient(http), options, Console.Out);
                    await demo.RunAsync();
                }
                Console.WriteLine("ok: every step behaved as expected");
                return ExitOk;
            }
            catch (CheckFailedException e)
            {
                Console.Error.WriteLine("FAILED: " + e.Message);
                return ExitUnexpected;
            }
            catch (ProblemException e)
            {
                Console.Error.WriteLine("FAILED: the scheduler answered " + e.Status + " " + e.Code + ": " + e.Detail
                    + string.Concat(e.Issues.Select(i => "\n  " + i)));
                return ExitUnexpected;
            }
            catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException || e is WebSocketException)
            {
                Console.Error.WriteLine("cannot reach the scheduler at " + options.SchedulerUrl + ": " + Describe(e));
                return ExitUnreachable;
            }
        }

        static string Describe(Exception e)
        {
            var message = e.Message;
            for (var inner = e.InnerException; inner != null; inner = inner.InnerException) message += " (" + inner.Message + ")";
            return message;
        }
    }

    /// <summary>A step whose answer was not what the scheduler's API promises.</summary>
    sealed class CheckFailedException : Exception
    {
        public CheckFailedException(string message) : base(message) { }
    }

    sealed class Options
    {
        public Uri SchedulerUrl { get; private set; }
        public Uri OnceTarget { get; private set; }
        public string RequesterId { get; private set; }
        /// <summary>Null when requests go unsigned (a sidecar with SCHEDULER_AUTH=off).</summary>
        public RequestSigner Signer { get; private set; }
        /// <summary>Checks Signing.cs against spec/vectors/signing.json instead of running the demo.</summary>
        public string SelfTestVectors { get; private set; }
        public bool Help { get; private set; }

        public static Options Parse(string[] args)
        {
            var options = new Options();
            string url = null;
            string secretFile = null;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--help":
                    case "-h":
                        options.Help = true;
                        break;
                    case "--once":
                        options.OnceTarget = HttpUrl(Next(args, ref i), "--once");
                        break;
                    case "--requester":
                        var id = Next(args, ref i);
                        if (!Guid.TryParse(id, out _)) throw new ArgumentException("--requester must be a UUID: " + id);
                        options.RequesterId = id;
                        break;
                    case "--hmac-secret":
                        secretFile = Next(args, ref i);
                        break;
                    case "--self-test-vectors":
                        options.SelfTestVectors = Next(args, ref i);
                        break;
                    default:
                        if (args[i].StartsWith("-", StringComparison.Ordinal)) throw new ArgumentException("unknown option " + args[i]);
                        if (url != null) throw new ArgumentException("one sidecar URL only");
                        url = args[i];
                        break;
                }
            }
            url = url ?? Environment.GetEnvironmentVariable("BR_SCHEDULE_URL") ?? "http://127.0.0.1:8080";
            // A trailing '/' so relative paths ("v1/tasks") resolve below it, behind a path prefix too.
            options.SchedulerUrl = HttpUrl(url.EndsWith("/", StringComparison.Ordinal) ? url : url + "/", "the sidecar URL");
            secretFile = secretFile ?? Environment.GetEnvironmentVariable("BR_SCHEDULE_HMAC_SECRET_FILE");
            if (!string.IsNullOrEmpty(secretFile))
            {
                // The secret is the requester's: a new random id would have no key at the scheduler.
                if (options.RequesterId == null) throw new ArgumentException("--hmac-secret needs --requester, the id the secret belongs to");
                try
                {
                    options.Signer = RequestSigner.FromSecretFile(options.RequesterId, secretFile);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is FormatException)
                {
                    throw new ArgumentException("cannot read the HMAC secret from " + secretFile + ": " + e.Message);
                }
            }
            options.RequesterId = options.RequesterId ?? Guid.NewGuid().ToString();
            return options;
        }

        static string Next(string[] args, ref int i)
        {
            if (i + 1 >= args.Length) throw new ArgumentException(args[i] + " needs a value");
            return args[++i];
        }

        static Uri HttpUrl(string text, string what)
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == "http" || uri.Scheme == "https")) return uri;
            throw new ArgumentException(what + " must be an http(s) URL: " + text);
        }
    }

    /// <summary>The steps, in order; each prints what it did and throws CheckFailedException on a surprise.</summary>
    sealed class Demo
    {
        static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

        readonly ScheduleClient client;
        readonly Options options;
        readonly TextWriter output;

        public Demo(ScheduleClient client, Options options, TextWriter output)
        {
            this.client = client;
            this.options = options;
            this.output = output;
        }

        bool Once => options.OnceTarget != null;

        public async Task RunAsync()
        {
            output.WriteLine("requester " + options.RequesterId + ", scheduler " + options.SchedulerUrl);
            var task = await CreateAsync();
            var id = task.Str("id");
            if (Once)
            {
                await WaitForResultAsync(id);
                await TriggerAsync(id);
                await ShowRunsAsync(id);
            }
            else
            {
                await PauseAndResumeAsync(id);
            }
            await ListAsync(id);
            await CancelAsync(id);
            await BadRequestAsync();
            if (Once) await WebSocketAsync();
        }

        /// <summary>The task, in the contract's shape: who asks, what to call, with what, and when.</summary>
        Dictionary<string, object> NewTask(string channel)
        {
            return new Dictionary<string, object>
            {
                ["requester_id"] = options.RequesterId,
                ["uri"] = Once ? options.OnceTarget.ToString() : "http://127.0.0.1:8081/report",
                ["method"] = "POST",
                // Sent as the JSON body of each call.
                ["parameters"] = new Dictionary<string, object> { ["team"] = "ops", ["format"] = "pdf", ["channel"] = channel },
                ["schedule"] = Once ? OneShot(TimeSpan.FromSeconds(2)) : FourCalendars(),
            };
        }

        /// <summary>Every 10 days and 3 hours; Thursdays 17:00; Saturdays 04:00; the 3rd of each month at 15:00.</summary>
        static Dictionary<string, object> FourCalendars()
        {
            return new Dictionary<string, object>
            {
                ["timezone"] = "Asia/Tehran",
                ["rules"] = new object[]
                {
                    new Dictionary<string, object> { ["every"] = "P10DT3H", ["from"] = "2026-11-01T00:00:00" },
                    new Dictionary<string, object> { ["cron"] = "0 17 * * THU" },
                    new Dictionary<string, object> { ["cron"] = "0 4 * * SAT" },
                    new Dictionary<string, object> { ["cron"] = "0 15 3 * *" },
                },
            };
        }

        static Dictionary<string, object> OneShot(TimeSpan ahead)
        {
            var at = DateTime.UtcNow.Add(ahead).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            return new Dictionary<string, object> { ["rules"] = new object[] { new Dictionary<string, object> { ["at"] = at } } };
        }

        async Task<Dictionary<string, object>> CreateAsync()
        {
            var request = NewTask("rest");
            // One key per logical request: a retry of this same request sends it again.
            var key = "csharp-example-" + Guid.NewGuid().ToString("N");
            var task = await client.CreateTaskAsync(request, key);
            var id = task.Str("id");
            Check(id != null && task.Str("status") == "active", "POST /v1/tasks answers an active task, not " + Json.Write(task));
            var nextFires = (task.Arr("next_fires") ?? new List<object>()).OfType<string>().ToList();
            output.WriteLine("created task " + id + " (" + task.Str("status") + ")");
            output.WriteLine("next fires (UTC): " + string.Join(", ", nextFires));
            Check(nextFires.Count > 0, "a new task has next fires");

            var again = await client.CreateTaskAsync(request, key);
            output.WriteLine("the same request with the same Idempotency-Key answers task " + again.Str("id"));
            Check(again.Str("id") == id, "the same Idempotency-Key answers the same task");
            return task;
        }

        /// <summary>Polls GET /v1/tasks/{id} until last_run is set (bounded).</summary>
        async Task WaitForResultAsync(string id)
        {
            output.WriteLine("waiting for the run (polling GET /v1/tasks/" + id + ")…");
            var deadline = DateTime.UtcNow + RunTimeout;
            Dictionary<string, object> run;
            for (;;)
            {
                var task = await client.GetTaskAsync(id);
                run = task.Obj("last_run");
                if (run != null) break;
                if (DateTime.UtcNow > deadline) throw new CheckFailedException("no run finished within " + RunTimeout.TotalSeconds + " s");
                await Task.Delay(250);
            }
            output.WriteLine("result: run " + run.Str("run_id") + " " + run.Str("status") + ", HTTP " + run.Long("http_status")
                + ", " + run.Long("attempts") + " attempt(s), content " + run.Str("content"));
            Check(run.Str("status") == "success" && run.Long("http_status") == 200, "the run succeeded with HTTP 200: " + run.Str("error"));
        }

        /// <summary>Runs the task once more, now (a completed one-shot too), and waits for that run in /runs.</summary>
        async Task TriggerAsync(string id)
        {
            var triggered = await client.TriggerTaskAsync(id);
            var runId = triggered.Str("run_id");
            output.WriteLine("triggered run " + runId);
            var deadline = DateTime.UtcNow + RunTimeout;
            Dictionary<string, object> run;
            for (;;)
            {
                run = (await client.ListRunsAsync(id)).FirstOrDefault(r => r.Str("run_id") == runId);
                if (run != null) break;
                if (DateTime.UtcNow > deadline) throw new CheckFailedException("the triggered run did not finish within " + RunTimeout.TotalSeconds + " s");
                await Task.Delay(250);
            }
            output.WriteLine("triggered run " + runId + ": " + run.Str("status") + " (" + run.Str("trigger") + ")");
            Check(run.Str("status") == "success" && run.Str("trigger") == "manual", "the triggered run succeeded, marked manual");
        }

        async Task ShowRunsAsync(string id)
        {
            var runs = await client.ListRunsAsync(id);
            output.WriteLine("runs (newest first): " + string.Join(", ", runs.Select(r => r.Str("run_id") + " " + r.Str("trigger") + " " + r.Str("status"))));
            Check(runs.Count == 2 && runs[0].Str("trigger") == "manual" && runs[1].Str("trigger") == "schedule",
                "the one-shot has two runs: the manual one, then the scheduled one");
        }

        async Task PauseAndResumeAsync(string id)
        {
            var paused = await client.PauseTaskAsync(id);
            output.WriteLine("paused: " + paused.Str("status") + ", next fires " + paused.Arr("next_fires")?.Count);
            Check(paused.Str("status") == "paused", "pause answers a paused task");
            var resumed = await client.ResumeTaskAsync(id);
            output.WriteLine("resumed: " + resumed.Str("status") + ", next fire " + resumed.Str("next_fire_at"));
            Check(resumed.Str("status") == "active", "resume answers an active task");
        }

        async Task ListAsync(string id)
        {
            var tasks = await client.ListTasksAsync(options.RequesterId);
            output.WriteLine("tasks of requester " + options.RequesterId + ": " + tasks.Count);
            foreach (var t in tasks) output.WriteLine("  " + t.Str("id") + " " + t.Str("status") + " next " + (t.Str("next_fire_at") ?? "-"));
            Check(tasks.Any(t => t.Str("id") == id), "the list holds the task");
        }

        async Task CancelAsync(string id)
        {
            try
            {
                var cancelled = await client.CancelTaskAsync(id);
                output.WriteLine("cancelled task " + id + ": " + cancelled.Str("status"));
                Check(cancelled.Str("status") == "cancelled", "DELETE answers a cancelled task");
            }
            catch (ProblemException e) when (e.Code == "TASK_NOT_ACTIVE" && Once)
            {
                // A one-shot that has run is completed: nothing is left to cancel.
                output.WriteLine("cancel task " + id + ": " + e.Status + " " + e.Code + " (the one-shot already completed)");
            }
        }

        /// <summary>A minute of 61: refused with a problem document naming the field.</summary>
        async Task BadRequestAsync()
        {
            var request = NewTask("rest");
            request["schedule"] = new object[] { new Dictionary<string, object> { ["minute"] = "61" } };
            try
            {
                var created = await client.CreateTaskAsync(request, "csharp-example-bad-" + Guid.NewGuid().ToString("N"));
                throw new CheckFailedException("a minute of 61 was accepted: task " + created.Str("id"));
            }
            catch (ProblemException e)
            {
                output.WriteLine("bad request refused: " + e.Status + " " + e.Code + " (" + e.Type + ")");
                foreach (var issue in e.Issues) output.WriteLine("  " + issue.Path + ": " + issue.Message);
                Check(e.Status == 400 && e.Code == "SCHEDULE_INVALID", "a minute of 61 is 400 SCHEDULE_INVALID");
                Check(e.Issues.Any(i => i.Path == "schedule[0].minute"), "the issue names schedule[0].minute");
            }
        }

        /// <summary>
        /// Results pushed instead of polled: subscribe for the requester, create a one-shot over the
        /// socket (tasks created there deliver to it), and ack its result.
        /// </summary>
        async Task WebSocketAsync()
        {
            using (var timeout = new CancellationTokenSource(RunTimeout))
            using (var socket = await SchedulerSocket.ConnectAsync(options.SchedulerUrl, timeout.Token))
            {
                var token = timeout.Token;
                await socket.SendAsync(Signed(new Dictionary<string, object> { ["type"] = "subscribe", ["requester_id"] = options.RequesterId }), token);
                var create = NewTask("ws");
                create["op"] = "create";
                create["request_id"] = "create-1";
                create["schedule"] = OneShot(TimeSpan.FromSeconds(1));
                await socket.SendAsync(Signed(create), token);

                string taskId = null;
                var results = new Dictionary<string, Dictionary<string, object>>(); // by task id: a result may beat the reply
                while (taskId == null || !results.ContainsKey(taskId))
                {
                    Dictionary<string, object> frame;
                    try
                    {
                        frame = await socket.ReceiveAsync(token);
                    }
                    catch (OperationCanceledException)
                    {
                        throw new CheckFailedException("no result over the WebSocket within " + RunTimeout.TotalSeconds + " s");
                    }
                    var type = frame.Str("type");
                    if (type == "subscribed")
                    {
                        output.WriteLine("ws: subscribed to " + frame.Str("requester_id"));
                    }
                    else if (type == "reply" && frame.Str("request_id") == "create-1")
                    {
                        if (frame.Bool("ok") != true) throw new CheckFailedException("ws create refused: " + Json.Write(frame.Obj("error")));
                        taskId = frame.Obj("task").Str("id");
                        output.WriteLine("ws: created task " + taskId);
                    }
                    else if (type == "result")
                    {
                        var result = frame.Obj("result");
                        output.WriteLine("ws: result for task " + result.Str("task_id") + ": " + result.Str("status")
                            + ", HTTP " + result.Long("http_status") + ", cursor " + frame.Str("cursor"));
                        // Process, then ack: delivery is at least once, so a real service de-duplicates by cursor.
                        results[result.Str("task_id")] = result;
                        await socket.SendAsync(new Dictionary<string, object> { ["type"] = "ack", ["cursor"] = frame.Str("cursor") }, token);
                    }
                    else if (type == "error")
                    {
                        throw new CheckFailedException("ws error frame: " + Json.Write(frame.Obj("error")));
                    }
                }
                Check(results[taskId].Str("status") == "success", "the one-shot created over the WebSocket succeeded");
                await socket.CloseAsync(token);
            }
        }

        /// <summary>
        /// A subscribe or request frame with its signing members when signing is on (Signing.cs); ack and
        /// unsubscribe frames need none.
        /// </summary>
        IDictionary<string, object> Signed(IDictionary<string, object> frame)
        {
            return options.Signer == null ? frame : options.Signer.SignMessage(frame);
        }

        static void Check(bool condition, string what)
        {
            if (!condition) throw new CheckFailedException(what);
        }
    }
}
