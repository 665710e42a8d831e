"""One bilingual label table (English / Vietnamese) for plots and tables.

``label(key, lang)`` looks a key up: a KPI column, a factor path, a procedure id, a unit type,
or a text of the plots. Unknown keys come back unchanged, so a new factor still gets a
(technical) label. Units of measure are part of the labels.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

Lang = Literal["en", "vi"]
LANGS: tuple[str, ...] = ("en", "vi")

#: key -> (English, Vietnamese)
LABELS: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- KPIs
    "on_time_rate": ("On-time rate (%)", "Tỷ lệ đúng và trước hạn (%)"),
    "late": ("Late dossiers (per replication)", "Hồ sơ trễ hạn (mỗi lần lặp)"),
    "open": ("Open at end (dossiers)", "Hồ sơ chưa giải quyết cuối kỳ"),
    "open_overdue": (
        "Open past deadline at end (dossiers)",
        "Hồ sơ chưa giải quyết, đã quá hạn cuối kỳ",
    ),
    "lead_time_working_hours_mean": (
        "Mean lead time (working hours)",
        "Thời gian giải quyết trung bình (giờ làm việc)",
    ),
    "lead_time_working_hours_p90": (
        "90th percentile of lead time (working hours)",
        "Phân vị 90 của thời gian giải quyết (giờ làm việc)",
    ),
    "desk_wait_minutes_mean": (
        "Mean wait at the desk (minutes)",
        "Thời gian chờ tại quầy trung bình (phút)",
    ),
    "inbox_wait_working_hours_mean": (
        "Mean wait in the online inbox (working hours)",
        "Thời gian chờ tiếp nhận hồ sơ trực tuyến (giờ làm việc)",
    ),
    "queue_wait_minutes_mean": (
        "Mean wait for officers (working minutes)",
        "Thời gian chờ cán bộ trung bình (phút làm việc)",
    ),
    "network_delay_minutes_mean": (
        "Mean network delay (working minutes)",
        "Độ trễ do mạng trung bình (phút làm việc)",
    ),
    "utilisation_reception": (
        "Reception officer utilisation (%)",
        "Mức độ sử dụng cán bộ tiếp nhận (%)",
    ),
    # ---------------------------------------------------------------- differences
    "diff_on_time_rate": (
        "Difference in on-time rate (percentage points)",
        "Chênh lệch tỷ lệ đúng hạn (điểm phần trăm)",
    ),
    "diff_late": ("Difference in late dossiers", "Chênh lệch số hồ sơ trễ hạn"),
    "diff_lead_time_working_hours_mean": (
        "Difference in mean lead time (working hours)",
        "Chênh lệch thời gian giải quyết (giờ làm việc)",
    ),
    "diff_desk_wait_minutes_mean": (
        "Difference in mean desk wait (minutes)",
        "Chênh lệch thời gian chờ tại quầy (phút)",
    ),
    "diff_queue_wait_minutes_mean": (
        "Difference in mean wait for officers (working minutes)",
        "Chênh lệch thời gian chờ cán bộ (phút làm việc)",
    ),
    "diff_network_delay_minutes_mean": (
        "Difference in mean network delay (working minutes)",
        "Chênh lệch độ trễ do mạng (phút làm việc)",
    ),
    # ---------------------------------------------------------------- sweep factors
    "staffing.multiplier.reception": (
        "Reception staff multiplier (×)",
        "Hệ số cán bộ tiếp nhận (×)",
    ),
    "staffing.multiplier.justice": (
        "Justice staff multiplier (×)",
        "Hệ số cán bộ tư pháp – hộ tịch (×)",
    ),
    "staffing.multiplier.all": ("Staff multiplier, all roles (×)", "Hệ số toàn bộ cán bộ (×)"),
    "staffing.multiplier_by_unit_type.phường.reception": (
        "Reception staff multiplier in wards (×)",
        "Hệ số cán bộ tiếp nhận ở phường (×)",
    ),
    "staffing.availability": ("Staff availability (share)", "Tỷ lệ cán bộ có mặt"),
    "specialists": ("Specialist staff multiplier (×)", "Hệ số cán bộ chuyên môn (×)"),
    "network.link_mbps": (
        "Commune link bandwidth (Mbps)",
        "Băng thông đường truyền cấp xã (Mbps)",
    ),
    "network.system_capacity_sessions": (
        "System capacity (concurrent sessions)",
        "Năng lực hệ thống (phiên đồng thời)",
    ),
    "network.outages.system.mtbf_hours": (
        "Mean time between system failures (hours)",
        "Thời gian trung bình giữa hai lần sự cố hệ thống (giờ)",
    ),
    "demand.online_shift": (
        "Share of in-person demand moved online",
        "Tỷ lệ hồ sơ trực tiếp chuyển sang trực tuyến",
    ),
    "demand.phi_dia_gioi_share": (
        "Share of phi-địa-giới submissions",
        "Tỷ lệ hồ sơ phi địa giới",
    ),
    "demand.per_1000_residents_per_working_day": (
        "Demand (dossiers per 1,000 residents per working day)",
        "Nhu cầu (hồ sơ/1.000 dân/ngày làm việc)",
    ),
    "pooling.online_reception": (
        "Pooling of online reception",
        "Tiếp nhận trực tuyến liên thông",
    ),
    # ---------------------------------------------------------------- procedures
    "copy_certification": ("Copy certification", "Chứng thực bản sao"),
    "contract_certification": ("Contract certification", "Chứng thực hợp đồng, giao dịch"),
    "birth_registration": ("Birth registration", "Đăng ký khai sinh"),
    "marriage_registration": ("Marriage registration", "Đăng ký kết hôn"),
    "marital_status_certificate": (
        "Marital status certificate",
        "Xác nhận tình trạng hôn nhân",
    ),
    "household_business": ("Household business registration", "Đăng ký hộ kinh doanh"),
    "land_change_registration": ("Land change registration", "Đăng ký biến động đất đai"),
    "land_first_registration": ("First land registration", "Đăng ký đất đai lần đầu"),
    "social_allowance": ("Monthly social allowance", "Trợ cấp xã hội hằng tháng"),
    "vertical_services": ("Vertical-agency procedures", "Thủ tục của cơ quan ngành dọc"),
    "other_commune": ("Other commune procedures", "Thủ tục khác cấp xã"),
    # ---------------------------------------------------------------- unit types
    "phường": ("ward", "phường"),
    "xã": ("commune", "xã"),
    "đặc khu": ("special zone", "đặc khu"),
    # ---------------------------------------------------------------- axes and legends
    "unit": ("Unit", "Đơn vị"),
    "date": ("Date", "Ngày"),
    "procedure": ("Procedure", "Thủ tục"),
    "scenario": ("Scenario", "Kịch bản"),
    "open_dossiers": (
        "Open dossiers at close of day",
        "Hồ sơ đang giải quyết cuối ngày",
    ),
    "lead_time_log": (
        "Lead time (working hours, log scale)",
        "Thời gian giải quyết (giờ làm việc, thang log)",
    ),
    "mean": ("mean", "trung bình"),
    "mean_over_reps": ("mean over replications", "trung bình các lần lặp"),
    "range_over_reps": ("range over replications", "khoảng giữa các lần lặp"),
    "ci95": ("95% confidence interval", "khoảng tin cậy 95%"),
    "paired": ("paired 95% CI (common random numbers)", "KTC 95% ghép cặp (cùng số ngẫu nhiên)"),
    "unpaired": ("unpaired 95% CI (Welch)", "KTC 95% không ghép cặp (Welch)"),
    "no_change": ("no change", "không đổi"),
    "box_note": (
        "box: quartiles; whiskers: 5th-95th percentile; n: resolved dossiers, all replications",
        "hộp: tứ phân vị; râu: phân vị 5-95; n: số hồ sơ đã giải quyết, mọi lần lặp",
    ),
    # ---------------------------------------------------------------- titles
    "title_rate_vs": ("{kpi} vs {factor}", "{kpi} theo {factor}"),
    "title_heatmap": ("{kpi} by {x} and {y}", "{kpi} theo {x} và {y}"),
    "title_units": (
        "On-time rate by unit ({reps} replications, 95% CI)",
        "Tỷ lệ đúng hạn theo đơn vị ({reps} lần lặp, KTC 95%)",
    ),
    "title_backlog": ("Backlog over time", "Hồ sơ tồn theo thời gian"),
    "title_lead_time": (
        "Lead time by procedure (resolved dossiers)",
        "Thời gian giải quyết theo thủ tục (hồ sơ đã giải quyết)",
    ),
    "title_forest": (
        "Difference from {reference} ({reps} paired replications)",
        "Chênh lệch so với {reference} ({reps} cặp lần lặp)",
    ),
    "title_unit_forest": (
        "On-time rate by unit: {scenario} minus {reference}",
        "Tỷ lệ đúng hạn theo đơn vị: {scenario} trừ {reference}",
    ),
}


def label(key: str, lang: str = "en", **fmt: object) -> str:
    """The label of ``key`` in ``lang`` ("en" or "vi"); the key itself if unknown.

    Keyword arguments fill ``{placeholders}`` of the label.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    pair = LABELS.get(key)
    text = key if pair is None else pair[LANGS.index(lang)]
    return text.format(**fmt) if fmt else text


#: characters NFKD does not take apart, and their ASCII stand-ins
_ASCII = str.maketrans(
    {
        "đ": "d",
        "Đ": "D",
        "\u2212": "-",  # minus sign
        "\u2013": "-",
        "\u2014": "-",
        "\u00d7": "x",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u00b1": "+/-",
    }
)


def ascii_text(text: str, unknown: str = "?") -> str:
    """``text`` in ASCII: Vietnamese letters without their marks (Quảng Ninh -> Quang Ninh).

    Dashes and the minus sign become ``-``; any other character outside ASCII becomes
    ``unknown``.
    """
    plain = unicodedata.normalize("NFKD", text.translate(_ASCII))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return "".join(ch if ch.isascii() else unknown for ch in plain)


__all__ = ["LABELS", "LANGS", "Lang", "ascii_text", "label"]
