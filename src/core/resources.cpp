#include "traitctl/core/resources.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>

#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

struct Unit {
  std::string_view suffix;
  double factor;
  char slurm_letter;  // the unit Slurm reads for this suffix's power, '\0' for P and Pi
  int slurm_power;    // 1024^power bytes in one Slurm unit
};

constexpr double kilo = 1000.0;
constexpr double kibi = 1024.0;

constexpr std::array units{
    Unit{"k", kilo, 'K', 1},
    Unit{"M", kilo* kilo, 'M', 2},
    Unit{"G", kilo* kilo* kilo, 'G', 3},
    Unit{"T", kilo* kilo* kilo* kilo, 'T', 4},
    Unit{"P", kilo* kilo* kilo* kilo* kilo, '\0', 5},
    Unit{"Ki", kibi, 'K', 1},
    Unit{"Mi", kibi* kibi, 'M', 2},
    Unit{"Gi", kibi* kibi* kibi, 'G', 3},
    Unit{"Ti", kibi* kibi* kibi* kibi, 'T', 4},
    Unit{"Pi", kibi* kibi* kibi* kibi* kibi, '\0', 5},
};

constexpr std::string_view memory_forms =
    "a number and one of the units k M G T P Ki Mi Gi Ti Pi, e.g. 32G, 512M, 1.5Gi or 1024Mi";

// A plain non-negative decimal: digits with at most one '.', nothing else.
std::optional<double> parse_decimal(std::string_view text) {
  if (text.empty() || std::count(text.begin(), text.end(), '.') > 1 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) ||
      text == ".") {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

struct Quantity {
  double amount = 0;
  std::string_view number;
  const Unit* unit = nullptr;
};

Result<Quantity> parse_quantity(std::string_view text, std::string_view what) {
  const std::size_t unit_start = std::min(text.find_first_not_of("0123456789."), text.size());
  const std::string_view number = text.substr(0, unit_start);
  const std::string_view suffix = text.substr(unit_start);
  const auto amount = parse_decimal(number);
  if (!amount || *amount <= 0) {
    return make_error(ErrorKind::Config, "{} '{}' must be a positive amount: write {}", what, printable(text),
                      memory_forms);
  }
  if (suffix.empty()) {
    return make_error(ErrorKind::Config, "{} '{}' has no unit: write {}", what, printable(text),
                      memory_forms);
  }
  const auto* unit =
      std::find_if(units.begin(), units.end(), [&](const Unit& u) { return u.suffix == suffix; });
  if (unit == units.end()) {
    return make_error(ErrorKind::Config,
                      "{} '{}' has the unit '{}' (units are case-sensitive; 'm' means milli): write {}", what,
                      printable(text), printable(suffix), memory_forms);
  }
  return Quantity{*amount, number, unit};
}

bool is_whole(std::string_view number) { return number.find('.') == std::string_view::npos; }

template <typename Parse>
Result<std::vector<std::string>> parse_ladder(std::string_view text, std::string_view what, Parse parse) {
  std::vector<std::string> tiers;
  double previous = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string tier(trim_blanks(text.substr(start, end - start)));
    const std::string where = fmt::format("{} tier {}", what, tiers.size() + 1);
    auto value = parse(tier, where);
    if (!value) {
      return value.error();
    }
    if (!tiers.empty() && static_cast<double>(*value) <= previous) {
      return make_error(ErrorKind::Config,
                        "{} '{}': tier '{}' is not larger than '{}' before it; list the tiers "
                        "from smallest to largest, e.g. 64G,96G,160G",
                        what, printable(text), printable(tier), printable(tiers.back()));
    }
    previous = static_cast<double>(*value);
    tiers.push_back(tier);
    start = end + 1;
  }
  return tiers;
}

}  // namespace

Result<std::uint64_t> parse_memory(std::string_view text, std::string_view what) {
  auto quantity = parse_quantity(text, what);
  if (!quantity) {
    return quantity.error();
  }
  const double bytes = std::ceil(quantity->amount * quantity->unit->factor);
  if (bytes > static_cast<double>(std::numeric_limits<std::int64_t>::max())) {
    return make_error(ErrorKind::Config, "{} '{}' is larger than any machine's memory", what,
                      printable(text));
  }
  return static_cast<std::uint64_t>(bytes);
}

Result<double> parse_cpu(std::string_view text, std::string_view what) {
  const auto cores = parse_decimal(text);
  if (!cores || *cores <= 0) {
    return make_error(ErrorKind::Config, "{} '{}' must be a positive number of cores, e.g. 12 or 0.5", what,
                      printable(text));
  }
  return *cores;
}

Result<std::vector<std::string>> parse_memory_ladder(std::string_view text, std::string_view what) {
  return parse_ladder(
      text, what, [](std::string_view tier, std::string_view where) { return parse_memory(tier, where); });
}

Result<std::vector<std::string>> parse_cpu_ladder(std::string_view text, std::string_view what) {
  return parse_ladder(text, what,
                      [](std::string_view tier, std::string_view where) { return parse_cpu(tier, where); });
}

Result<std::vector<ResourceTier>> resource_tiers(std::string_view cpu, std::string_view memory,
                                                 const std::vector<std::string>& memory_ladder,
                                                 const std::vector<std::string>& cpu_ladder) {
  auto base = parse_memory(memory);
  if (!base) {
    return base.error();
  }
  std::vector<ResourceTier> tiers{{std::string(cpu), std::string(memory)}};
  for (std::size_t index = 0; index < memory_ladder.size(); ++index) {
    auto bytes = parse_memory(memory_ladder[index], "MEMORY_LADDER");
    if (!bytes) {
      return bytes.error();
    }
    if (*bytes <= *base) {
      continue;  // at or below MEMORY: where the climb starts, not a step up
    }
    const std::string step_cpu =
        cpu_ladder.empty() ? std::string(cpu) : cpu_ladder[std::min(index, cpu_ladder.size() - 1)];
    tiers.push_back({step_cpu, memory_ladder[index]});
  }
  return tiers;
}

std::string format_bytes(std::uint64_t bytes) {
  constexpr std::array names{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  std::size_t index = 0;
  while (value >= kibi && index + 1 < names.size()) {
    value /= kibi;
    ++index;
  }
  if (index == 0) {
    return fmt::format("{} B", bytes);
  }
  return fmt::format("{:.1f} {}", value, names.at(index));
}

Result<std::string> slurm_memory(std::string_view text) {
  auto quantity = parse_quantity(text, "MEMORY");
  if (!quantity) {
    return quantity.error();
  }
  const Unit& unit = *quantity->unit;
  if (is_whole(quantity->number) && unit.slurm_letter != '\0') {
    const std::string_view digits = quantity->number.substr(
        std::min(quantity->number.find_first_not_of('0'), quantity->number.size() - 1));
    return fmt::format("{}{}", digits, unit.slurm_letter);
  }
  // Whole mebibytes of the amount read the way Slurm reads its unit letters.
  const double mebibytes = std::ceil(quantity->amount * std::pow(kibi, unit.slurm_power - 2));
  return fmt::format("{:.0f}M", mebibytes);
}

Result<int> slurm_cpus(std::string_view text) {
  auto cores = parse_cpu(text);
  if (!cores) {
    return cores.error();
  }
  if (std::floor(*cores) != *cores || *cores < 1 || *cores > std::numeric_limits<int>::max()) {
    return make_error(ErrorKind::Config,
                      "CPU '{}' must be a whole number of cores for Slurm's --cpus-per-task, e.g. 12",
                      printable(text));
  }
  return static_cast<int>(*cores);
}

}  // namespace traitctl
