#include "service_client.hpp"

#include <algorithm>
#include <new>
#include <random>
#include <variant>

#include "cancellable_wait.hpp"
#include "config.hpp"
#include "jose/json_strict.hpp"
#include "loginid/secret.hpp"

namespace loginid::detail {
namespace {

using std::chrono::milliseconds;

// Error messages quote at most this much of a body that is not the service's JSON error.
constexpr std::size_t kMaxQuotedBody = 200;

void require(bool ok, const std::string& message) {
  if (!ok) {
    throw InvalidArgument(message);
  }
}

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos || text.find('\0') != std::string_view::npos;
}

// `name` is where the options came from ("Options::retry", "CallOptions::retry").
void validate_retry(const RetryOptions& retry, const std::string& name) {
  require(retry.max_attempts >= 1, name + ".max_attempts: must be at least 1");
  require(retry.initial_backoff.count() >= 0 && retry.max_backoff.count() >= 0,
          name + ": backoffs must not be negative");
  require(retry.multiplier >= 1.0, name + ".multiplier: must be at least 1");
}

void validate(const Options& options, const std::string& client_id) {
  require(!client_id.empty(), "client_id: must not be empty");
  require(!has_line_break(client_id), "client_id: must not contain line breaks or NUL");
  require(options.timeout.count() > 0, "Options::timeout: must be positive");
  require(options.connect_timeout.count() > 0, "Options::connect_timeout: must be positive");
  require(options.wait_timeout.count() > 0, "Options::wait_timeout: must be positive");
  validate_retry(options.retry, "Options::retry");
  // A custom transport never sees ca_bundle: refuse the pair instead of trusting other CAs than asked.
  require(!(options.transport && options.ca_bundle),
          "Options::ca_bundle: not used by a custom Options::transport; give the CAs to the transport "
          "(make_curl_transport({.ca_bundle = ...})) and leave Options::ca_bundle unset");
}

// Printable ASCII only, cut to kMaxQuotedBody: a body may be HTML or binary, and a message must stay
// one readable line.
std::string quote_body(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, kMaxQuotedBody)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : ' ');
  }
  if (body.size() > kMaxQuotedBody) {
    out += "...";
  }
  return out;
}

std::string request_id_of(const HttpResponse& response) {
  const auto id = response.header("X-Request-ID");
  return id ? quote_body(*id) : std::string();
}

// Throws what an error answer means: the service's refusal (ServiceError), or BadResponse when the
// body is JSON nested too deep to be read safely.
[[noreturn]] void throw_http_error(const HttpResponse& response) {
  JsonProblem problem{};
  const auto parsed = parse_json_strict(response.body, problem);
  if (problem == JsonProblem::too_deep) {
    throw BadResponse(response.status, "HTTP " + std::to_string(response.status) + ": the body is " + describe(problem),
                      request_id_of(response));
  }
  if (problem == JsonProblem::out_of_memory) {
    throw std::bad_alloc();
  }
  // An error body without a usable code is not the service's error shape: it is reported as
  // unknown_error with the text, so a caller never sees an empty code or message (found by fuzzing).
  if (parsed && parsed->is_object() && parsed->contains("code") && (*parsed)["code"].is_string() &&
      !(*parsed)["code"].get_ref<const std::string&>().empty()) {
    const auto& body = *parsed;
    std::string message = body.contains("message") && body["message"].is_string()
                              ? body["message"].get<std::string>()
                              : std::string();
    if (message.empty()) message = "HTTP " + std::to_string(response.status) + " without a message";
    throw ServiceError(response.status, ServiceCode(quote_body(body["code"].get<std::string>())), message,
                       request_id_of(response));
  }
  const std::string text = response.body.empty()
                               ? "HTTP " + std::to_string(response.status) + " with an empty body"
                               : "HTTP " + std::to_string(response.status) + ": " + quote_body(response.body);
  throw ServiceError(response.status, ServiceCode::unknown_error, text, request_id_of(response));
}

TransportError transport_error(const TransportError& failure, int attempts) {
  return TransportError(failure.reason(),
                        std::string(failure.what()) + " (after " + std::to_string(attempts) + " attempt(s))");
}

double random_jitter() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

std::string serialize_body(const std::optional<nlohmann::json>& body) {
  if (!body) {
    return {};
  }
  try {
    return body->dump();
  } catch (const nlohmann::json::exception&) {
    throw InvalidArgument("request body: a string is not valid UTF-8");
  }
}

// A 2xx body that is not JSON at all (a PEM key from /certs, an empty 204) is null: the caller's
// shape check names what it expected. JSON nested too deep or repeating a member is refused here,
// while it is parsed, before anything recursive (a copy into the result, a dump) can touch it.
nlohmann::json parse_success_body(const HttpResponse& response, const std::string& request_id) {
  if (response.body.empty()) {
    return nullptr;
  }
  JsonProblem problem{};
  auto json = parse_json_strict(response.body, problem);
  if (json) {
    return std::move(*json);
  }
  if (problem == JsonProblem::syntax) {
    return nullptr;
  }
  if (problem == JsonProblem::out_of_memory) {
    throw std::bad_alloc();
  }
  throw BadResponse(response.status, "response: " + describe(problem), request_id);
}

std::string kind_name(TransportError::Reason kind) {
  switch (kind) {
    case TransportError::Reason::connect_failed: return "connect_failed";
    case TransportError::Reason::timeout: return "timeout";
    case TransportError::Reason::io_failed: return "io_failed";
    case TransportError::Reason::refused_locally: return "refused_locally";
    case TransportError::Reason::tls_failed: return "tls_failed";
    case TransportError::Reason::response_too_large: return "response_too_large";
  }
  return "unknown";
}

std::string attempt_tag(int attempt, int max_attempts) {
  return " (attempt " + std::to_string(attempt) + "/" + std::to_string(max_attempts) + ")";
}

// Overwrites every string of a JSON document (the request body of a call that carries a secret).
void cleanse_strings(nlohmann::json& value) noexcept {
  if (value.is_string()) {
    cleanse(value.get_ref<std::string&>());
  } else if (value.is_structured()) {
    for (auto& item : value) cleanse_strings(item);
  }
}

}  // namespace

ApiCall::~ApiCall() {
  if (secret_body && body) cleanse_strings(*body);
}

struct ServiceClient::State {
  Options options;
  std::string client_id;
  std::string base_url;
  bool is_emulator = false;
  std::shared_ptr<HttpTransport> transport;
  Sleeper sleeper;
};

ServiceClient::ServiceClient(Options options, std::string client_id)
    : ServiceClient(std::move(options), std::move(client_id), Sleeper{}) {}

ServiceClient::ServiceClient(Options options, std::string client_id, Sleeper sleeper) {
  validate(options, client_id);
  const auto emulator_host = options.honour_emulator_env ? emulator_host_from_env() : std::nullopt;
  auto base_url = resolve_base_url(options, emulator_host);
  const bool is_emulator = !options.base_url && emulator_host;
  if (is_emulator && !options.ca_bundle) {
    options.ca_bundle = emulator_ca_from_env();  // the emulator switch's CA, never a production client's
  }
  if (!options.transport) {
    options.transport = make_curl_transport(CurlTransportOptions{.ca_bundle = options.ca_bundle});
  }
  if (!sleeper) {
    sleeper = [](milliseconds delay, const CancellationToken& cancellation) { sleep_cancellable(delay, cancellation); };
  }
  auto transport = options.transport;
  state_ = std::make_shared<const State>(State{std::move(options), std::move(client_id), std::move(base_url),
                                               is_emulator, std::move(transport), std::move(sleeper)});
  if (is_emulator) {
    log_emulator_switch();
  }
}

// Once per client, at construction: an environment variable has changed whom this client trusts.
void ServiceClient::log_emulator_switch() const {
  std::string line = std::string(kEmulatorHostEnv) + " is set: this client calls the emulator at " + state_->base_url +
                     " and verifies tokens with the signing keys it serves (GET /certs), not LoginID's";
  if (state_->options.ca_bundle) {
    line += "; https trusts the CA named by Options::ca_bundle or " + std::string(kEmulatorCaEnv);
  }
  line += ". Set Options::base_url or Options::honour_emulator_env = false to ignore the variable.";
  log(LogLevel::warning, line);
}

const std::string& ServiceClient::base_url() const noexcept { return state_->base_url; }
const std::string& ServiceClient::client_id() const noexcept { return state_->client_id; }
bool ServiceClient::is_emulator() const noexcept { return state_->is_emulator; }
const Options& ServiceClient::options() const noexcept { return state_->options; }

std::chrono::system_clock::time_point ServiceClient::now() const {
  return state_->options.clock ? state_->options.clock() : std::chrono::system_clock::now();
}

void ServiceClient::log(LogLevel level, std::string_view message) const {
  if (state_->options.log) {
    try {
      state_->options.log(level, message);
    } catch (...) {
      // A failing log sink must not fail the call it describes.
    }
  }
}

CallContext ServiceClient::context(const CallOptions& options, std::optional<milliseconds> default_budget) const {
  require(!options.timeout || options.timeout->count() > 0, "CallOptions::timeout: must be positive");
  if (options.retry) {
    validate_retry(*options.retry, "CallOptions::retry");
  }
  milliseconds budget = options.timeout.value_or(default_budget.value_or(state_->options.timeout));
  if (options.deadline) {
    // The caller's deadline is on the steady clock; the pipeline measures on the client's clock
    // (injectable): the time left is carried over once, here.
    const auto left = std::chrono::ceil<milliseconds>(*options.deadline - std::chrono::steady_clock::now());
    budget = options.timeout ? std::min(budget, left) : left;
  }
  return CallContext{now() + budget, budget, options.cancellation,
                     RetryPolicy(options.retry.value_or(state_->options.retry))};
}

ApiResponse ServiceClient::call(const ApiCall& call) const { return this->call(call, context({}, call.timeout)); }

ApiResponse ServiceClient::call(const ApiCall& call, const CallContext& context) const {
  CallRun run(*this, call, context);
  for (;;) {
    const HttpRequest& request = run.next_request();
    std::optional<HttpResponse> response;
    std::optional<TransportError> failure;
    try {
      response = state_->transport->send(request);
    } catch (const TransportError& e) {
      failure = e;
    } catch (const Cancelled&) {
      run.on_cancelled();
    }
    auto step = response ? run.on_answer(std::move(*response)) : run.on_failure(*failure);
    if (auto* answer = std::get_if<ApiResponse>(&step)) {
      return std::move(*answer);
    }
    // Returns early when cancelled; next_request() then throws Cancelled.
    state_->sleeper(std::get<milliseconds>(step), context.cancellation);
  }
}

bool ServiceClient::logs() const noexcept { return static_cast<bool>(state_->options.log); }

CallRun::CallRun(const ServiceClient& client, const ApiCall& call, CallContext context)
    : client_(client),
      context_(std::move(context)),
      what_(call.method + " " + call.path),
      make_bearer_(call.make_bearer),
      idempotency_(call.idempotency),
      secret_body_(call.secret_body) {
  require(!call.path.empty() && call.path.front() == '/', "ApiCall::path: must start with '/'");
  require(!has_line_break(call.path) && call.path.find(' ') == std::string::npos,
          "ApiCall::path: must not contain spaces or line breaks");
  require(!call.bearer || !has_line_break(*call.bearer), "ApiCall::bearer: must not contain line breaks");
  const auto& state = *client.state_;
  request_.method = call.method;
  request_.url = state.base_url + call.path;
  request_.body = serialize_body(call.body);
  if (call.bearer || call.make_bearer) {
    request_.headers.emplace_back("Authorization", call.bearer ? "Bearer " + *call.bearer : std::string());
  }
  request_.headers.emplace_back("X-Client-ID", state.client_id);
  if (call.body) {
    request_.headers.emplace_back("Content-Type", "application/json");
  }
  request_.headers.emplace_back("Accept", "application/json, text/plain");
  request_.cancellation = context_.cancellation;
}

CallRun::~CallRun() {
  if (secret_body_) cleanse(request_.body);
}

void CallRun::throw_cancelled(std::string_view where) const {
  client_.log(LogLevel::info, what_ + ": cancelled " + std::string(where));
  throw Cancelled(what_ + ": cancelled " + std::string(where) + " (CallOptions::cancellation)");
}

void CallRun::on_cancelled() {
  throw_cancelled("during attempt " + std::to_string(attempt_) + "; the service may have seen the request");
}

const HttpRequest& CallRun::next_request() {
  if (context_.cancellation.is_cancelled()) {
    throw_cancelled(attempt_ == 0 ? "before anything was sent" : "after " + std::to_string(attempt_) + " attempt(s)");
  }
  const auto remaining = std::chrono::ceil<milliseconds>(context_.deadline - client_.now());
  if (remaining.count() <= 0) {
    throw TransportError(TransportError::Reason::timeout,
                         attempt_ == 0 ? what_ + ": the call's deadline had passed before anything was sent"
                                       : what_ + ": no time left after " + std::to_string(attempt_) + " attempt(s)");
  }
  ++attempt_;
  request_.timeout = remaining;
  request_.connect_timeout = std::min(client_.options().connect_timeout, remaining);
  if (make_bearer_) {
    auto token = make_bearer_();
    require(!has_line_break(token), "ApiCall::make_bearer: the token must not contain line breaks");
    request_.headers.front().second = "Bearer " + token;  // Authorization is the first header
  }
  return request_;
}

CallRun::Step CallRun::on_answer(HttpResponse response) {
  AttemptOutcome outcome;
  const auto request_id = request_id_of(response);
  if (client_.logs()) {  // the line is built only for a sink: this is every call's path
    const int max_attempts = context_.retry.options().max_attempts;
    client_.log(response.status < 400 ? LogLevel::debug : LogLevel::warning,
                what_ + " -> " + std::to_string(response.status) + attempt_tag(attempt_, max_attempts) +
                    (request_id.empty() ? "" : " request id " + request_id));
  }
  if (response.status >= 200 && response.status < 300) {
    auto json = parse_success_body(response, request_id);
    return ApiResponse{response.status, std::move(response.body), std::move(json), request_id,
                       std::move(response.headers)};
  }
  outcome.status = response.status;
  return decide(outcome, std::move(response), nullptr);
}

CallRun::Step CallRun::on_failure(const TransportError& failure) {
  if (context_.cancellation.is_cancelled()) {
    // The transport did not watch the token, or ended for it with another error.
    on_cancelled();
  }
  client_.log(LogLevel::warning, what_ + " failed: " + kind_name(failure.reason()) + ": " + failure.what() +
                                     attempt_tag(attempt_, context_.retry.options().max_attempts));
  AttemptOutcome outcome;
  outcome.transport_error = failure.reason();
  return decide(outcome, std::nullopt, &failure);
}

CallRun::Step CallRun::decide(AttemptOutcome outcome, std::optional<HttpResponse> response,
                              const TransportError* failure) {
  outcome.attempt = attempt_;
  outcome.idempotency = idempotency_;
  outcome.deadline = context_.deadline;
  outcome.now = client_.now();
  if (failure != nullptr && failure->reason() == TransportError::Reason::timeout) {
    // The attempt had all the time left as its timeout, so the call's time is up, even when the
    // transport's clock got there a hair before the client's: a retry would go out with a budget of
    // a millisecond or two (seen with libcurl against a server dripping its answer).
    outcome.now = std::max(outcome.now, context_.deadline);
  }
  if (response) {
    outcome.retry_after = response->header("Retry-After");
  }
  const auto decision = context_.retry.decide(outcome, random_jitter());
  if (!decision.retry) {
    if (attempt_ > 1 || decision.reason == "deadline") {
      client_.log(LogLevel::info, what_ + ": giving up: " + std::string(decision.reason));
    }
    if (response) {
      throw_http_error(*response);
    }
    throw transport_error(*failure, attempt_);
  }
  client_.log(LogLevel::info, what_ + ": retrying in " + std::to_string(decision.delay.count()) + " ms (" +
                                  std::string(decision.reason) + ")");
  return decision.delay;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool alnum = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9');
    if (alnum || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0f]);
    }
  }
  return out;
}

}  // namespace loginid::detail
