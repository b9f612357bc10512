// An awesome-lint reporter that prints every message as one JSON line: {rule, reason, fatal, line}.
// .ci/awesome-lint reads these lines to allow exactly one known message and fail on any other.
export const report = vfiles =>
	vfiles
		.flatMap(file => file.messages.map(message => JSON.stringify({
			file: file.path,
			rule: message.ruleId ?? null,
			source: message.source ?? null,
			reason: message.reason,
			fatal: message.fatal === true,
			line: message.line ?? null,
		})))
		.join('\n');
