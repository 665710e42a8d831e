"""One bilingual label table (English / Vietnamese) for plots and tables.

``label(key, lang)`` looks a key up: a KPI column, a factor path, a procedure id, a unit type,
or a text of the plots. Unknown keys come back unchanged, so a new factor still gets a
(technical) label. Units of measure are part of the labels.
"""

from __future__ import annotations

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
    # ---------------------------------------------------------------- web app (sim/app)
    "app_title": ("Planner's workbench", "Bàn làm việc của người lập kế hoạch"),
    "app_english": ("English", "English (tiếng Anh)"),
    "app_page": ("Page", "Trang"),
    "app_page_whatif": ("Try a change", "Thử một thay đổi"),
    "app_page_sweeps": ("Sweeps", "Quét tham số"),
    "app_choose": ("1. Choose a scenario", "1. Chọn kịch bản"),
    "app_shipped": ("Scenario of the served folder", "Kịch bản có sẵn"),
    "app_upload": ("…or upload a scenario (YAML)", "…hoặc tải lên một kịch bản (YAML)"),
    "app_upload_ok": ("Uploaded scenario in use: {name}", "Đang dùng kịch bản tải lên: {name}"),
    "app_upload_refused": ("Upload refused: {message}", "Không nhận tệp tải lên: {message}"),
    "app_drop_upload": ("Back to the shipped scenarios", "Quay lại kịch bản có sẵn"),
    "app_reference_invalid": (
        "The reference scenario is not valid: {message}",
        "Kịch bản gốc không hợp lệ: {message}",
    ),
    "app_change": ("2. Change what you want to try", "2. Thay đổi điều muốn thử"),
    "app_sec_staff_type": ("Staff by role and unit type", "Cán bộ theo vị trí và loại đơn vị"),
    "app_sec_staff_unit": ("Staff of each unit", "Cán bộ của từng đơn vị"),
    "app_staff_unit_help": (
        "Edit a cell to give one unit its own number of officers (officers, before multipliers).",
        "Sửa một ô để đặt số cán bộ riêng cho một đơn vị (người, trước khi nhân hệ số).",
    ),
    "app_sec_land": ("Land registration branch", "Chi nhánh Văn phòng đăng ký đất đai"),
    "app_sec_network": ("Network and outages", "Đường truyền và sự cố"),
    "app_sec_online": ("Online reception", "Tiếp nhận trực tuyến"),
    "app_sec_supplements": ("Supplements", "Bổ sung hồ sơ"),
    "app_sec_more": ("Other fields (advanced)", "Trường khác (nâng cao)"),
    "app_more_help": (
        "One change a line, as the command line's --set: path.to.field=value",
        "Mỗi dòng một thay đổi, như --set của dòng lệnh: duong.dan.truong=gia_tri",
    ),
    "app_window": (
        "Add a dated outage of the whole system",
        "Thêm một đợt mất hệ thống có ngày giờ",
    ),
    "app_window_start": ("Outage starts (date, time)", "Bắt đầu mất hệ thống (ngày, giờ)"),
    "app_window_end": ("Outage ends (date, time)", "Kết thúc mất hệ thống (ngày, giờ)"),
    "app_role": ("Role", "Vị trí"),
    "app_type": ("Unit type", "Loại đơn vị"),
    "app_code": ("Code", "Mã"),
    "app_name": ("Unit", "Đơn vị"),
    "app_changes": ("Changes from the reference", "Thay đổi so với kịch bản gốc"),
    "app_no_changes": ("No change yet.", "Chưa có thay đổi."),
    "app_valid": ("The changed scenario is valid.", "Kịch bản đã thay đổi hợp lệ."),
    "app_invalid": (
        "Fix the field marked in red; nothing runs until the scenario is valid.",
        "Hãy sửa trường báo đỏ; chưa chạy khi kịch bản chưa hợp lệ.",
    ),
    "app_run_section": ("3. Run and compare", "3. Chạy và so sánh"),
    "app_whatif_name": ("Name of the changed scenario", "Tên kịch bản đã thay đổi"),
    "app_reps": (
        "Replications (at least {min}; common random numbers)",
        "Số lần lặp (ít nhất {min}; cùng số ngẫu nhiên)",
    ),
    "app_seed": ("Seed", "Hạt giống ngẫu nhiên"),
    "app_run": ("Run and compare", "Chạy và so sánh"),
    "app_cancel": ("Cancel", "Hủy"),
    "app_progress": (
        "{done} of {total} replications done ({seconds:.0f} s)",
        "Đã xong {done}/{total} lần lặp ({seconds:.0f} giây)",
    ),
    "app_cancelled": ("The run was cancelled.", "Đã hủy lượt chạy."),
    "app_failed": ("The run failed: {error}", "Lượt chạy bị lỗi: {error}"),
    "app_results": ("Results", "Kết quả"),
    "app_stale": (
        "These results are for earlier settings; press the button to run the current ones.",
        "Kết quả này của thiết lập trước; bấm nút để chạy thiết lập hiện tại.",
    ),
    "app_took": (
        "{reps} paired replications, seed {seed}; ready in {seconds:.1f} s",
        "{reps} cặp lần lặp, hạt giống {seed}; xong sau {seconds:.1f} giây",
    ),
    "app_took_cached": (
        "{reps} paired replications, seed {seed}; stored results of an identical request",
        "{reps} cặp lần lặp, hạt giống {seed}; dùng lại kết quả đã lưu của yêu cầu giống hệt",
    ),
    "app_reference": ("Reference: {name}", "Kịch bản gốc: {name}"),
    "app_whatif": ("Changed: {name}", "Đã thay đổi: {name}"),
    "app_difference": ("Difference (percentage points)", "Chênh lệch (điểm phần trăm)"),
    "app_ci": ("95% CI [{low}, {high}]", "KTC 95% [{low}; {high}]"),
    "app_tab_units": ("Units", "Đơn vị"),
    "app_tab_backlog": ("Backlog", "Hồ sơ tồn"),
    "app_tab_months": ("By month", "Theo tháng"),
    "app_tab_causes": ("Late by cause", "Trễ hạn theo nguyên nhân"),
    "app_tab_forest": ("Differences", "Chênh lệch"),
    "app_tab_downloads": ("Downloads", "Tải về"),
    "app_col_reference": ("Reference on time (%)", "Gốc: đúng hạn (%)"),
    "app_col_scenario": ("Changed on time (%)", "Thay đổi: đúng hạn (%)"),
    "app_col_difference": ("Difference (pp)", "Chênh lệch (điểm %)"),
    "app_col_low": ("95% CI low (pp)", "KTC 95% dưới (điểm %)"),
    "app_col_high": ("95% CI high (pp)", "KTC 95% trên (điểm %)"),
    "app_col_month": ("Month", "Tháng"),
    "app_col_cause": ("Cause", "Nguyên nhân"),
    "app_col_late": ("Late dossiers per replication", "Hồ sơ trễ hạn mỗi lần lặp"),
    "app_dl_yaml": ("Changed scenario (YAML)", "Kịch bản đã thay đổi (YAML)"),
    "app_dl_yaml_help": (
        "Save it in the scenarios folder; `tthc-sim run` on it gives the numbers above.",
        "Lưu vào thư mục kịch bản; `tthc-sim run` trên tệp này cho đúng các số ở trên.",
    ),
    "app_dl_xlsx": ("Results workbook (Excel)", "Sổ kết quả (Excel)"),
    "app_dl_summary": ("Printable one-page summary (HTML)", "Tóm tắt một trang để in (HTML)"),
    "app_dl_png": ("Plot {name} (PNG)", "Biểu đồ {name} (PNG)"),
    "app_summary_title": ("What-if summary", "Tóm tắt phương án thử"),
    "app_summary_changes": ("Changes", "Các thay đổi"),
    "app_sweeps_none": (
        "No sweep store found under {folder}. Run `tthc-sim sweep FILE --out {folder}/NAME`.",
        "Không có kết quả quét nào trong {folder}. Chạy `tthc-sim sweep TỆP --out {folder}/TÊN`.",
    ),
    "app_sweep_store": ("Sweep store", "Kết quả quét"),
    "app_sweep_points": ("Points (mean over replications)", "Các điểm (trung bình các lần lặp)"),
    "app_sweep_factor": ("On-time rate against a factor", "Tỷ lệ đúng hạn theo một yếu tố"),
    "app_sweep_heatmap": ("Heatmap of two factors", "Bản đồ nhiệt theo hai yếu tố"),
    "cause_queueing": ("Waiting for officers", "Chờ cán bộ xử lý"),
    "cause_network": ("Network and outages", "Đường truyền và sự cố"),
    "cause_supplements": ("Supplements", "Bổ sung hồ sơ"),
    "cause_service": ("Service time", "Thời gian xử lý"),
    "role_reception": ("Reception", "Tiếp nhận"),
    "role_justice": ("Justice and civil status", "Tư pháp – hộ tịch"),
    "role_economy": ("Economy", "Kinh tế"),
    "role_social": ("Culture and social affairs", "Văn hóa – xã hội"),
    "role_general": ("General affairs", "Văn phòng"),
    "role_leader": ("Leaders (signing)", "Lãnh đạo (ký duyệt)"),
    "agencies.land_registration.staff_per_10k_residents": (
        "Branch staff per 10,000 residents",
        "Cán bộ chi nhánh trên 10.000 dân",
    ),
    "agencies.land_registration.min_staff": (
        "Fewest branch staff per former district",
        "Số cán bộ chi nhánh tối thiểu mỗi huyện cũ",
    ),
    "agencies.land_registration.multiplier": (
        "Branch staff multiplier (×)",
        "Hệ số cán bộ chi nhánh (×)",
    ),
    "network.outages.links.mtbf_hours": (
        "Mean time between link failures (hours)",
        "Thời gian trung bình giữa hai lần đứt đường truyền (giờ)",
    ),
    "reception.online_receive_within_working_hours": (
        "Online dossiers received within (working hours)",
        "Tiếp nhận hồ sơ trực tuyến trong vòng (giờ làm việc)",
    ),
    "supplements.clock_rule": ("Deadline clock after a supplement", "Tính hạn sau khi bổ sung"),
    "choice_restart": ("restart the clock", "tính lại từ đầu"),
    "choice_pause": ("pause the clock", "tạm dừng đồng hồ"),
    "choice_keep": ("keep the clock running", "vẫn tính liên tục"),
    "choice_none": ("none", "không"),
    "choice_former_district": ("within the former district", "trong phạm vi huyện cũ"),
    "choice_province": ("across the province", "toàn tỉnh"),
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


__all__ = ["LABELS", "LANGS", "Lang", "label"]
