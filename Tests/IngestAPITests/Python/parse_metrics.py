"""Fetches /metrics and parses it with prometheus_client's own text parser (a malformed exposition raises); prints
{"metric{label=value,...}": value} for every sample as one JSON object."""
import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

request = urllib.request.Request(sys.argv[1])
if len(sys.argv) > 2 and sys.argv[2]:
    request.add_header("Authorization", "Bearer " + sys.argv[2])
text = urllib.request.urlopen(request).read().decode("utf-8")
samples = {}
types = {}
for family in text_string_to_metric_families(text):
    types[family.name] = family.type
    for sample in family.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
        samples[f"{sample.name}{{{labels}}}"] = sample.value
print(json.dumps({"samples": samples, "types": types}))
