using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace BrSdk.ScheduleExample
{
    /// <summary>
    /// Just enough JSON for the scheduler's API, with nothing beyond the base class library (Debian's
    /// mono has no System.Text.Json). <see cref="Write"/> turns dictionaries, lists, strings, numbers,
    /// booleans and null into JSON; <see cref="Parse"/> reads any JSON document into the same shapes:
    /// objects as <c>Dictionary&lt;string, object&gt;</c>, arrays as <c>List&lt;object&gt;</c>,
    /// strings, <c>long</c> (integers) or <c>double</c>, <c>bool</c> and <c>null</c>.
    /// A service with Newtonsoft.Json or System.Text.Json at hand would use that instead.
    /// </summary>
    public static class Json
    {
        /// <summary>Writes RFC 8785 canonical JSON (see Signing.cs), so what is sent is what a signature covers.</summary>
        public static string Write(object value) => CanonicalJson.Write(value);

        public static object Parse(string text)
        {
            var reader = new Reader(text);
            var value = reader.ReadValue();
            reader.SkipWhitespace();
            if (!reader.AtEnd) throw reader.Error("unexpected text after the JSON value");
            return value;
        }

        /// <summary>Parses a document that must be an object.</summary>
        public static Dictionary<string, object> ParseObject(string text)
        {
            return Parse(text) as Dictionary<string, object>
                ?? throw new FormatException("expected a JSON object");
        }

        // Accessors for parsed objects: null when the member is missing, null or of another type.

        public static string Str(this IDictionary<string, object> o, string key)
        {
            return o != null && o.TryGetValue(key, out var v) ? v as string : null;
        }

        public static long? Long(this IDictionary<string, object> o, string key)
        {
            return o != null && o.TryGetValue(key, out var v) && v is long n ? n : (long?)null;
        }

        public static bool? Bool(this IDictionary<string, object> o, string key)
        {
            return o != null && o.TryGetValue(key, out var v) && v is bool b ? b : (bool?)null;
        }

        public static Dictionary<string, object> Obj(this IDictionary<string, object> o, string key)
        {
            return o != null && o.TryGetValue(key, out var v) ? v as Dictionary<string, object> : null;
        }

        public static List<object> Arr(this IDictionary<string, object> o, string key)
        {
            return o != null && o.TryGetValue(key, out var v) ? v as List<object> : null;
        }

        /// <summary>A recursive-descent reader of RFC 8259 JSON.</summary>
        sealed class Reader
        {
            readonly string text;
            int pos;
            int depth;

            public Reader(string text)
            {
                this.text = text ?? throw new ArgumentNullException(nameof(text));
            }

            public bool AtEnd => pos >= text.Length;

            public FormatException Error(string message)
            {
                return new FormatException("invalid JSON at offset " + pos + ": " + message);
            }

            public void SkipWhitespace()
            {
                while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) pos++;
            }

            public object ReadValue()
            {
                SkipWhitespace();
                if (AtEnd) throw Error("unexpected end");
                switch (text[pos])
                {
                    case '{': return ReadObject();
                    case '[': return ReadArray();
                    case '"': return ReadString();
                    case 't': Expect("true"); return true;
                    case 'f': Expect("false"); return false;
                    case 'n': Expect("null"); return null;
                    default: return ReadNumber();
                }
            }

            Dictionary<string, object> ReadObject()
            {
                Enter();
                pos++; // {
                var result = new Dictionary<string, object>(StringComparer.Ordinal);
                SkipWhitespace();
                if (Peek() == '}') { pos++; depth--; return result; }
                for (;;)
                {
                    SkipWhitespace();
                    if (Peek() != '"') throw Error("expected a member name");
                    var key = ReadString();
                    SkipWhitespace();
                    if (Peek() != ':') throw Error("expected ':'");
                    pos++;
                    result[key] = ReadValue();
                    SkipWhitespace();
                    var c = Peek();
                    pos++;
                    if (c == '}') { depth--; return result; }
                    if (c != ',') throw Error("expected ',' or '}'");
                }
            }

            List<object> ReadArray()
            {
                Enter();
                pos++; // [
                var result = new List<object>();
                SkipWhitespace();
                if (Peek() == ']') { pos++; depth--; return result; }
                for (;;)
                {
                    result.Add(ReadValue());
                    SkipWhitespace();
                    var c = Peek();
                    pos++;
                    if (c == ']') { depth--; return result; }
                    if (c != ',') throw Error("expected ',' or ']'");
                }
            }

            string ReadString()
            {
                pos++; // opening quote
                var b = new StringBuilder();
                for (;;)
                {
                    if (AtEnd) throw Error("unterminated string");
                    var c = text[pos++];
                    if (c == '"') return b.ToString();
                    if (c < ' ') throw Error("control character in a string");
                    if (c != '\\') { b.Append(c); continue; }
                    if (AtEnd) throw Error("unterminated escape");
                    var e = text[pos++];
                    switch (e)
                    {
                        case '"': b.Append('"'); break;
                        case '\\': b.Append('\\'); break;
                        case '/': b.Append('/'); break;
                        case 'b': b.Append('\b'); break;
                        case 'f': b.Append('\f'); break;
                        case 'n': b.Append('\n'); break;
                        case 'r': b.Append('\r'); break;
                        case 't': b.Append('\t'); break;
                        case 'u':
                            if (pos + 4 > text.Length
                                || !int.TryParse(text.Substring(pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                                throw Error("bad \\u escape");
                            b.Append((char)code); // surrogate pairs arrive as two escapes and join up here
                            pos += 4;
                            break;
                        default: throw Error("bad escape \\" + e);
                    }
                }
            }

            object ReadNumber()
            {
                var start = pos;
                if (Peek() == '-') pos++;
                if (Peek() == '0') pos++;
                else if (IsDigit(Peek())) while (IsDigit(Peek())) pos++;
                else throw Error(AtEnd ? "unexpected end" : "unexpected character '" + Peek() + "'");
                var integral = true;
                if (Peek() == '.')
                {
                    integral = false;
                    pos++;
                    if (!IsDigit(Peek())) throw Error("expected a digit");
                    while (IsDigit(Peek())) pos++;
                }
                if (Peek() == 'e' || Peek() == 'E')
                {
                    integral = false;
                    pos++;
                    if (Peek() == '+' || Peek() == '-') pos++;
                    if (!IsDigit(Peek())) throw Error("expected a digit");
                    while (IsDigit(Peek())) pos++;
                }
                var token = text.Substring(start, pos - start);
                if (integral && long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return n;
                return double.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture);
            }

            void Expect(string literal)
            {
                if (string.CompareOrdinal(text, pos, literal, 0, literal.Length) != 0) throw Error("expected " + literal);
                pos += literal.Length;
            }

            void Enter()
            {
                if (++depth > 256) throw Error("nested too deeply");
            }

            char Peek()
            {
                return pos < text.Length ? text[pos] : '\0';
            }

            static bool IsDigit(char c)
            {
                return c >= '0' && c <= '9';
            }
        }
    }
}
