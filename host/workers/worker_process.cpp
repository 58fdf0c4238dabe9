#include "worker_process.hpp"

#include "../server/canned_response.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <thread>

namespace isapi::host {

namespace net = boost::asio;

namespace {

// "HTTP/1.1 200 OK..." -> 200; 0 if the bytes do not start a status line.
unsigned status_of(std::string_view bytes) {
    if (bytes.size() < 12 || !bytes.starts_with("HTTP/1.")) return 0;
    unsigned status = 0;
    for (std::size_t i = 9; i < 12; ++i) {
        if (bytes[i] < '0' || bytes[i] > '9') return 0;
        status = status * 10 + static_cast<unsigned>(bytes[i] - '0');
    }
    return status;
}

}  // namespace

std::shared_ptr<WorkerProcess> WorkerProcess::start(Strand strand, platform::ProcessControl& processes,
                                                    const std::string& executable, const WorkerConfig& config,
                                                    const std::vector<std::string>& env, WorkerObserver& observer,
                                                    std::string& error) {
    auto child = processes.spawn(executable, {"--worker-channel", "{channel}"}, env, error);
    if (!child) return nullptr;
    std::shared_ptr<WorkerProcess> worker(new WorkerProcess(strand, processes, observer, child->pid, config.generation));
    worker->channel_ = std::make_shared<Channel>(strand, child->channel);
    worker->channel_->set_coalescing(true);
    worker->channel_->start([w = worker.get()](const ipc::Frame& frame) { w->on_frame(frame); },
                            [weak = std::weak_ptr(worker)](const std::string& reason) {
                                if (auto w = weak.lock()) w->on_channel_closed(reason);
                            });
    worker->standby_ = config.standby;
    if (config.handoff) {
        try {
            worker->handed_ = std::make_unique<HandedConnections>();
        } catch (const std::exception& e) {
            spdlog::warn("worker {}: no connection hand-off ({}); its requests are relayed", child->pid, e.what());
        }
    }
    worker->send_frame(ipc::FrameType::config, 0, to_json(config));
    // The reaper waits for the exit on its own thread and hands it to the
    // strand; it keeps the worker alive until then, and the io_context
    // running: at shutdown the channel may close before the reap, leaving the
    // reap as the only work, and run() must not return before it arrives.
    net::any_io_executor work = net::prefer(strand.get_inner_executor(), net::execution::outstanding_work.tracked);
    std::thread([worker, &processes, work = std::move(work)]() mutable {
        auto status = processes.wait(worker->pid_);
        {
            // The worker and the strand go with the posted reap: once `work`
            // is released the io_context may end, and this thread must not
            // be the last to hold (and destroy) anything of it.
            auto reaps_on = worker->strand_;
            net::post(reaps_on, [worker = std::move(worker), status] { worker->on_reaped(status); });
        }
        work = net::any_io_executor();  // the posted reap is work of its own now
    }).detach();
    return worker;
}

WorkerProcess::WorkerProcess(Strand strand, platform::ProcessControl& processes, WorkerObserver& observer,
                             platform::ProcessId pid, std::uint64_t generation)
    : strand_(strand), processes_(processes), observer_(observer), pid_(pid), generation_(generation),
      drain_deadline_(strand),
      client_watch_(strand) {}

WorkerProcess::~WorkerProcess() = default;

void WorkerProcess::send_frame(ipc::FrameType type, std::uint64_t id, std::string_view body) {
    std::string frame;
    ipc::FrameBuilder(frame).begin(type, id).raw(body).end();
    channel_->send(frame);
}

void WorkerProcess::submit(ecb::Request request, std::shared_ptr<ClientConnection> client,
                           std::optional<AccessRecord> access) {
    const std::uint64_t id = next_id_++;
    std::string frame;
    ipc::FrameBuilder builder(frame);
    builder.begin(ipc::FrameType::request, id);
    ipc::encode_request(builder, request);
    builder.end();
    InFlight entry;
    entry.client = std::move(client);
    entry.started = std::chrono::steady_clock::now();
    entry.method = request.method;
    entry.target = request.unencoded_url;
    entry.access = std::move(access);
    requests_.emplace(id, std::move(entry));
    in_flight_.store(requests_.size(), std::memory_order_relaxed);
    channel_->send(frame);
    schedule_client_watch();
}

void WorkerProcess::schedule_client_watch() {
    if (std::exchange(client_watch_scheduled_, true)) return;
    client_watch_.expires_after(kWatchClientsAfter);
    client_watch_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        if (auto self = weak.lock(); self && !ec) self->watch_lasting();
    });
}

void WorkerProcess::watch_lasting() {
    client_watch_scheduled_ = false;
    const auto watch_from = std::chrono::steady_clock::now() - kWatchClientsAfter;
    bool unwatched = false;
    for (auto& [id, r] : requests_) {
        // A finished request's connection may be on its next request already.
        if (r.watched || r.finished) continue;
        if (r.started > watch_from) {
            unwatched = true;
            continue;
        }
        r.watched = true;
        r.client->notify_when_gone([weak = weak_from_this(), id] {
            if (auto self = weak.lock()) net::post(self->strand_, [self, id] { self->client_left(id); });
        });
    }
    if (unwatched) schedule_client_watch();
}

bool WorkerProcess::hand_over(std::uint64_t id, HandedSocket& socket) {
    if (!handed_ || channel_closed_) return false;
    if (!became_ready_) {
        waiting_connections_.emplace_back(id, std::move(socket));
        return true;
    }
    return send_connection(id, socket);
}

bool WorkerProcess::send_connection(std::uint64_t id, HandedSocket& socket) {
    const auto slot = handed_->add(id, socket.socket, socket.v6, !socket.preread.empty());
    if (!slot) return false;
    std::string frame;
    ipc::FrameBuilder(frame).begin(ipc::FrameType::connection, id).u32(*slot).u8(socket.v6).str(socket.preread).end();
    channel_->send(frame, socket.socket);
    return true;
}

void WorkerProcess::on_served(ipc::BodyReader& body) {
    const std::uint32_t count = body.u32();
    for (std::uint32_t i = 0; i < count; ++i) {
        const unsigned status = body.u16();
        const std::chrono::nanoseconds elapsed(body.u64());
        const std::uint32_t mapping = body.u32();
        const std::string sha256 = body.str();
        served_.fetch_add(1, std::memory_order_relaxed);
        observer_.direct_served(*this, status, elapsed, mapping, sha256);
    }
    if (const std::string lines = body.str(); !lines.empty()) observer_.direct_log(lines);
    set_direct_in_flight(body.u32());
}

void WorkerProcess::set_direct_in_flight(std::uint32_t now) {
    const std::uint32_t before = direct_in_flight_.exchange(now, std::memory_order_relaxed);
    if (now != before) observer_.direct_in_flight(static_cast<std::int64_t>(now) - before);
}

InFlight* WorkerProcess::find(std::uint64_t id) {
    auto it = requests_.find(id);
    return it == requests_.end() ? nullptr : &it->second;
}

void WorkerProcess::on_frame(const ipc::Frame& frame) {
    ipc::BodyReader body(frame.body);
    switch (frame.type) {
        case ipc::FrameType::ready:
            body.u32();  // the pid, which the front end knows from the spawn
            preload_failures_ = body.str();
            shadow_directory_ = body.str();
            if (state() == State::starting) state_ = State::ready;
            became_ready_ = true;
            if (handed_) {
                // Connections only now: the worker reads descriptors from here on.
                std::string states;
                ipc::FrameBuilder(states).begin(ipc::FrameType::states, 0).u32(static_cast<std::uint32_t>(handed_->table_size())).end();
                channel_->send(states, handed_->table_descriptor());
                for (auto& [id, socket] : std::exchange(waiting_connections_, {}))
                    if (!send_connection(id, socket)) observer_.connection_returned(*this, std::move(socket));
            }
            last_pong_ = std::chrono::steady_clock::now();
            observer_.worker_ready(*this);
            return;
        case ipc::FrameType::standing_by:
            body.u32();  // the pid, as in ready
            shadow_directory_ = body.str();
            standing_by_ = true;
            last_pong_ = std::chrono::steady_clock::now();
            observer_.worker_standing_by(*this);
            return;
        case ipc::FrameType::send: {
            InFlight* r = find(frame.id);
            if (!r) return;
            const bool want_ack = body.u8() != 0;
            const auto bytes = body.rest();
            if (r->bytes == 0) r->status = status_of(bytes);
            r->bytes += bytes.size();
            // The worker learns of a gone client from the failed write (and,
            // past its window, waits for this acknowledgement).
            r->client->send_async(std::string(bytes), [weak = weak_from_this(), id = frame.id, want_ack](bool ok) {
                if (!want_ack && ok) return;
                auto self = weak.lock();
                if (!self) return;
                if (want_ack) {
                    std::string reply;
                    ipc::FrameBuilder(reply).begin(ipc::FrameType::ack, id).u8(ok).end();
                    self->channel_->send(reply);
                }
                if (!ok) net::post(self->strand_, [self, id] { self->client_left(id); });
            });
            return;
        }
        case ipc::FrameType::read: {
            InFlight* r = find(frame.id);
            if (!r) return;
            const auto max = static_cast<std::size_t>(std::min<std::uint64_t>(body.u64(), ipc::kMaxFrameBody));
            r->client->receive_async(max, [weak = weak_from_this(), id = frame.id](std::optional<std::string> got) {
                auto self = weak.lock();
                if (!self) return;
                std::string reply;
                ipc::FrameBuilder f(reply);
                if (got) f.begin(ipc::FrameType::body, id).raw(*got).end();
                else f.begin(ipc::FrameType::body_failed, id).end();
                self->channel_->send(reply);
                if (!got) net::post(self->strand_, [self, id] { self->client_left(id); });
            });
            return;
        }
        case ipc::FrameType::finish: {
            InFlight* r = find(frame.id);
            if (!r) return;
            const bool keep_alive = body.u8() != 0;
            const bool abortive = body.u8() != 0;
            r->finished = true;
            r->client->finish_async(keep_alive, abortive);
            return;
        }
        case ipc::FrameType::done: {
            auto it = requests_.find(frame.id);
            if (it == requests_.end()) return;
            const ecb::Outcome outcome = ipc::decode_outcome(body);
            served_.fetch_add(1, std::memory_order_relaxed);
            const InFlight ended = std::move(it->second);
            requests_.erase(it);
            in_flight_.store(requests_.size(), std::memory_order_relaxed);
            observer_.request_ended(*this, ended, outcome);
            return;
        }
        case ipc::FrameType::closed:
            if (handed_) handed_->closed(frame.id);
            return;
        case ipc::FrameType::returned:
            if (handed_)
                if (auto socket = handed_->returned(frame.id, body.str())) observer_.connection_returned(*this, std::move(*socket));
            return;
        case ipc::FrameType::served: return on_served(body);
        case ipc::FrameType::event:
            observer_.worker_event(*this, decode_worker_event(frame.body));
            return;
        case ipc::FrameType::pong:
            last_pong_ = std::chrono::steady_clock::now();
            return;
        case ipc::FrameType::unhealthy: {
            std::string module = body.str();
            observer_.worker_unhealthy(*this, module, body.str());
            return;
        }
        case ipc::FrameType::drained:
            drained_ok_ = body.u8() != 0;
            return;
        default:
            throw std::runtime_error("unexpected frame type " + std::to_string(static_cast<int>(frame.type)));
    }
}

void WorkerProcess::client_left(std::uint64_t id) {
    InFlight* r = find(id);
    if (!r || std::exchange(r->client_gone, true)) return;
    send_frame(ipc::FrameType::client_gone, id);
    if (std::exchange(r->holds_slot, false)) observer_.slot_released(*this);
}

std::size_t WorkerProcess::release_slots() {
    std::size_t released = 0;
    for (auto& [id, r] : requests_) released += std::exchange(r.holds_slot, false) ? 1 : 0;
    return released;
}

void WorkerProcess::on_channel_closed(const std::string& reason) {
    channel_closed_ = true;
    spdlog::debug("worker {} (generation {}): channel closed: {}", pid_, generation_, reason);
    // Every request still on the worker is lost with it.
    for (auto& [id, r] : requests_) {
        ecb::Outcome outcome;
        outcome.bytes_sent = r.bytes;
        if (r.finished) {
            outcome.status = r.status;  // answered; only the worker's report is missing
        } else if (r.client->response_started()) {
            r.client->finish_async(false, true);  // bytes went out: the client sees a cut
            outcome.aborted = true;
        } else {
            outcome.status = 502;
            const std::string text = canned_response(502, "the worker process serving this request ended", false);
            outcome.bytes_sent = text.size();
            r.client->send_async(text, {});
            r.client->finish_async(false, false);
        }
        if (!r.finished) lost_.push_back(r.method + " " + r.target);
        observer_.request_ended(*this, r, outcome);
    }
    requests_.clear();
    in_flight_.store(0, std::memory_order_relaxed);
    std::vector<HandedSocket> between;
    if (handed_) {
        auto settled = handed_->settle(canned_response(502, "the worker process serving this request ended", false));
        for (auto& line : settled.answered) {
            lost_.push_back(std::move(line));
            observer_.direct_served(*this, 502, {}, 0, {});
        }
        for (auto& line : settled.cut) {
            lost_.push_back(std::move(line));
            observer_.direct_served(*this, 0, {}, 0, {});  // counted as a relayed request cut off is
        }
        between = std::move(settled.between_requests);
        for (auto& [id, socket] : std::exchange(waiting_connections_, {})) between.push_back(std::move(socket));
        set_direct_in_flight(0);  // answered or lost above
    }
    observer_.worker_lost(*this);
    // Only now: while the pool still named this worker as serving, it could
    // not pass them on and served them in the front end for good.
    for (auto& socket : between) observer_.connection_returned(*this, std::move(socket));
    maybe_report_exit();
}

void WorkerProcess::on_reaped(platform::ExitStatus status) {
    exit_status_ = status;
    drain_deadline_.cancel();
    // A process can die without its channel noticing yet (a grandchild may
    // hold it): close our end, which reports the loss.
    if (!channel_closed_) channel_->close();
    maybe_report_exit();
}

void WorkerProcess::maybe_report_exit() {
    if (!channel_closed_ || !exit_status_ || state() == State::exited) return;
    state_ = State::exited;
    observer_.worker_exited(*this, *exit_status_, lost_);
}

void WorkerProcess::activate() {
    if (!standby_.exchange(false)) return;
    send_frame(ipc::FrameType::activate, 0);
}

void WorkerProcess::drain(std::chrono::milliseconds deadline) {
    if (state() == State::draining || state() == State::exited) return;
    state_ = State::draining;
    drain_started_ = std::chrono::steady_clock::now();
    send_frame(ipc::FrameType::drain, 0);
    // Connections that wait for it to get ready go back to the pool (once
    // the pool's current step is over): a draining worker would give them
    // back anyway, or answer a request that arrived meanwhile with 503.
    if (!waiting_connections_.empty())
        net::post(strand_, [self = shared_from_this(), waiting = std::exchange(waiting_connections_, {})]() mutable {
            for (auto& [id, socket] : waiting) self->observer_.connection_returned(*self, std::move(socket));
        });
    // The worker enforces the limit itself; this catches one that cannot.
    drain_deadline_.expires_after(deadline + std::chrono::milliseconds(250));
    drain_deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec || self->state() == State::exited) return;
        std::string error;
        if (!self->kill(error))
            spdlog::error("worker {} did not drain in time and cannot be killed: {}", self->pid_, error);
    });
}

bool WorkerProcess::kill(std::string& error) {
    if (state() == State::exited) return true;
    if (!processes_.kill(pid_, error)) return false;
    killed_ = true;
    return true;
}

void WorkerProcess::ping() {
    std::string frame;
    ipc::FrameBuilder(frame).begin(ipc::FrameType::ping, 0).u64(++ping_sequence_).end();
    channel_->send(frame);
}

std::chrono::steady_clock::duration WorkerProcess::since_pong() const {
    return std::chrono::steady_clock::now() - last_pong_;
}

std::chrono::steady_clock::duration WorkerProcess::since_drain() const {
    return drain_started_ ? std::chrono::steady_clock::now() - *drain_started_ : std::chrono::steady_clock::duration{};
}

std::string WorkerProcess::state_name() const {
    switch (state()) {
        // A standby shows as one once it is handshaken and could take over.
        case State::starting: return standby() && standing_by() ? "standby" : "starting";
        case State::ready: return "serving";
        case State::draining: return "draining";
        case State::exited: return "exited";
    }
    return "?";
}

}  // namespace isapi::host
