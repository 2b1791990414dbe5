// `traitctl report --format junit`: the batch as test results, as GitLab's
// and Jenkins' JUnit readers take them: one <testsuite>, one <testcase> per
// trait; a trait whose latest attempt failed is a <failure>, one that never
// ran, was stopped or had not finished is <skipped>.
#include <fmt/format.h>

#include "traitctl/cli/report.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/core/job_name.hpp"

namespace traitctl {
namespace {

std::string seconds_text(Duration duration) {
  return fmt::format("{:.3f}", static_cast<double>(duration.count()) / 1000.0);
}

bool is_failure(Outcome outcome) { return outcome == Outcome::Failed || outcome == Outcome::Retryable; }

std::string skip_reason(Outcome outcome) {
  switch (outcome) {
    case Outcome::NotRun: return "never submitted";
    case Outcome::Stopped: return "stopped or cancelled: it never completed";
    case Outcome::InFlight: return "not finished when the report was written";
    default: return "";
  }
}

using AttentionIndex = std::map<int, const AttentionItem*>;

const AttentionItem* attention_of(const AttentionIndex& index, int trait) {
  const auto found = index.find(trait);
  return found == index.end() ? nullptr : found->second;
}

std::string failure_text(const ReportData& data, const TraitHistory& trait, const AttentionItem* item) {
  std::string text;
  if (item != nullptr) {
    text += fmt::format("class: {}\nevidence: {}\n", item->failure.empty() ? "unclassified" : item->failure,
                        item->evidence.empty() ? "none recorded" : item->evidence);
    if (item->exit_code) {
      text += fmt::format("exit code: {}\n", *item->exit_code);
    }
    text += fmt::format("attempts: {}\nnext step: {}\nlog: {}\n", item->attempt, item->next_step,
                        item->logs_command);
  }
  if (trait.outcome == Outcome::Retryable) {
    text += "a retry would try it again (`traitctl retry`)\n";
  }
  if (const auto log = data.logs.find(trait.trait); log != data.logs.end()) {
    if (log->second.missing.empty()) {
      text += fmt::format("\nlast lines of its log ({}):\n{}", log->second.location, log->second.tail);
    } else {
      text += fmt::format("\nno log: {}\n", log->second.missing);
    }
  }
  return text;
}

void write_case(std::string& out, const ReportData& data, const AttentionIndex& index,
                const TraitHistory& trait, std::string_view classname) {
  const std::string job = trait.job.empty() ? job_name(data.prefix, trait.trait) : trait.job;
  out += fmt::format(R"(    <testcase name="{}" classname="{}" time="{}")",
                     xml_escape(fmt::format("trait {} ({})", trait.trait, job)), classname,
                     seconds_text(trait.time_used));
  const std::string skipped = skip_reason(trait.outcome);
  if (is_failure(trait.outcome)) {
    const AttentionItem* item = attention_of(index, trait.trait);
    const std::string failure = trait.failure ? std::string(to_string(*trait.failure)) : "unclassified";
    const std::string message =
        item != nullptr && !item->evidence.empty() ? fmt::format("{}: {}", failure, item->evidence) : failure;
    out += fmt::format(">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                       xml_escape(message), xml_escape(failure),
                       xml_escape(failure_text(data, trait, item), true));
  } else if (!skipped.empty()) {
    out += fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n", xml_escape(skipped));
  } else {
    out += "/>\n";
  }
}

}  // namespace

std::string render_junit(const ReportData& data) {
  const BatchHistory& history = data.history;
  int failures = 0;
  int skipped = 0;
  for (const TraitHistory& trait : history.traits) {
    failures += is_failure(trait.outcome) ? 1 : 0;
    skipped += skip_reason(trait.outcome).empty() ? 0 : 1;
  }
  const std::string tests = std::to_string(history.traits.size());
  const std::string time = seconds_text(history.summary.wall_time.value_or(Duration{}));
  const std::string suite = xml_escape(fmt::format("traitctl {}/{}", data.project, data.prefix));
  const std::string classname = xml_escape(fmt::format("traitctl.{}.{}", data.project, data.prefix));
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites name=\"traitctl\" tests=\"{0}\" failures=\"{1}\" errors=\"0\" skipped=\"{2}\" "
      "time=\"{3}\">\n",
      tests, failures, skipped, time);
  out += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{}\" "
      "timestamp=\"{}\">\n",
      suite, tests, failures, skipped, time, xml_escape(format_utc(history.from.value_or(data.taken_at))));
  out += fmt::format(
      "    <properties>\n      <property name=\"project\" value=\"{}\"/>\n      <property name=\"prefix\" "
      "value=\"{}\"/>\n      <property name=\"backend\" value=\"{}\"/>\n    </properties>\n",
      xml_escape(data.project), xml_escape(data.prefix), xml_escape(data.backend));
  AttentionIndex index;
  for (const AttentionItem& item : data.attention) {
    index.emplace(item.trait, &item);
  }
  for (const TraitHistory& trait : history.traits) {
    write_case(out, data, index, trait, classname);
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace traitctl
