#include "core/credentials_chain.hpp"

namespace awrap::internal {
namespace {

class CredentialsChain final : public BackgroundCredentials {
 public:
  explicit CredentialsChain(std::vector<std::shared_ptr<const BackgroundCredentials>> sources)
      : sources_(std::move(sources)) {}

  void apply(ConnectSpec& spec) const override {
    for (const auto& source : sources_) source->apply(spec);
  }
  void refused(const ConnectSpec& spec) const noexcept override {
    for (const auto& source : sources_) source->refused(spec);
  }

 private:
  const std::vector<std::shared_ptr<const BackgroundCredentials>> sources_;
};

}  // namespace

std::shared_ptr<const BackgroundCredentials> chain_background_credentials(
    const std::vector<Plugin*>& plugins_outermost_first) {
  std::vector<std::shared_ptr<const BackgroundCredentials>> sources;
  for (const Plugin* plugin : plugins_outermost_first)
    if (auto source = plugin->background_credentials()) sources.push_back(std::move(source));
  if (sources.empty()) return nullptr;
  if (sources.size() == 1) return sources.front();
  return std::make_shared<CredentialsChain>(std::move(sources));
}

}  // namespace awrap::internal
