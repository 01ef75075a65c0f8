// Connects the domain to the webhooks: the outbox becomes the domain's event
// sink, with payload records read through the domain's own API functions.
// Call once at start-up, before any thread writes (main does, and so do
// tests that need webhooks queued).
#pragma once

namespace lw::app {

void ConnectWebhooks();

}  // namespace lw::app
