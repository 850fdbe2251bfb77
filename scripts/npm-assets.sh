#!/usr/bin/env bash
# Browser libraries from the npm registry, pinned by package-lock.json (Apache ECharts for the
# progress dashboard): `npm ci` into node_modules/, then the one file each page needs is copied
# to build/vendor/, which Django's staticfiles serves as /static/vendor/… (config/settings/base.py).
# Nothing is fetched from a CDN at run time, and neither folder is committed.
# Without npm the pages still work: they show their figures as tables and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  scripts/apt-ensure.sh npm
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "缺少 npm：工作进度页的图表（ECharts）未安装，页面将只显示表格。" >&2
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
mkdir -p build/vendor/echarts
cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE node_modules/echarts/NOTICE build/vendor/echarts/
