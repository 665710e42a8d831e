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
    "finished_after_close": (
        "Finished in overtime after 17:00 (dossiers)",
        "Hồ sơ giải quyết ngoài giờ sau 17:00",
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
    "app_plot_forest": ("differences", "chênh lệch"),
    "app_plot_unit_differences": ("differences by unit", "chênh lệch theo đơn vị"),
    "app_plot_unit_on_time": ("on-time rate by unit", "tỷ lệ đúng hạn theo đơn vị"),
    "app_plot_backlog": ("backlog", "hồ sơ tồn"),
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
    # ---------------------------------------------------------------- workbook (sim/workbook.py)
    "sheet_about": ("About", "Thông tin"),
    "sheet_summary": ("Summary", "Tổng hợp"),
    "sheet_units": ("Units", "Đơn vị"),
    "sheet_procedures": ("Procedures", "Thủ tục"),
    "sheet_months": ("Months", "Theo tháng"),
    "sheet_causes": ("Causes of lateness", "Nguyên nhân trễ hạn"),
    "sheet_differences": ("Differences", "Chênh lệch"),
    "sheet_unit_differences": ("Differences by unit", "Chênh lệch theo đơn vị"),
    "sheet_points": ("Points", "Các điểm"),
    "sheet_errors": ("Errors", "Lỗi"),
    "wb_item": ("Item", "Mục"),
    "wb_value": ("Value", "Giá trị"),
    "wb_kind": ("Content", "Nội dung"),
    "wb_kind_run": ("Replications of one scenario", "Các lần lặp của một kịch bản"),
    "wb_kind_comparison": (
        "Comparison of scenarios under common random numbers",
        "So sánh các kịch bản với cùng số ngẫu nhiên",
    ),
    "wb_kind_sweep": ("Sweep of factor values", "Quét các giá trị tham số"),
    "wb_description": ("Description", "Mô tả"),
    "wb_horizon": ("Simulated period", "Thời kỳ mô phỏng"),
    "wb_units": ("Units simulated", "Số đơn vị mô phỏng"),
    "wb_reps": ("Replications", "Số lần lặp"),
    "wb_rep": ("Replication", "Lần lặp"),
    "wb_seed": ("Seed", "Hạt giống ngẫu nhiên"),
    "wb_software": ("Software", "Phần mềm"),
    "wb_note_counts": ("Counts", "Số hồ sơ"),
    "wb_note_counts_text": (
        "means per replication, rounded to whole dossiers (unrounded in the CSV files)",
        "trung bình mỗi lần lặp, làm tròn đến hồ sơ (số chưa làm tròn trong các tệp CSV)",
    ),
    "wb_note_rates": ("Rates", "Tỷ lệ"),
    "wb_note_rates_text": (
        "percent cells; differences of rates in percentage points",
        "ô phần trăm; chênh lệch tỷ lệ tính bằng điểm phần trăm",
    ),
    "wb_note_intervals": ("Intervals", "Khoảng tin cậy"),
    "wb_note_intervals_text": (
        "95% Student-t intervals over replications; rate intervals clipped to [0%, 100%]; "
        "empty cell = not defined (fewer than 2 replications)",
        "khoảng tin cậy 95% (Student-t) qua các lần lặp; khoảng của tỷ lệ giới hạn trong "
        "[0%, 100%]; ô trống = không xác định (ít hơn 2 lần lặp)",
    ),
    "wb_note_csv": ("CSV files", "Các tệp CSV"),
    "wb_note_csv_text": (
        "the same tables for programs: plain UTF-8, fractions, unrounded",
        "cùng các bảng cho chương trình máy tính: UTF-8, số thập phân, chưa làm tròn",
    ),
    "wb_note_paired": ("Paired interval", "Khoảng ghép cặp"),
    "wb_note_paired_text": (
        "replication r of every scenario uses the same random numbers: the paired interval "
        "of the difference is the one to read; the unpaired (Welch) one is shown for contrast",
        "lần lặp r của mọi kịch bản dùng cùng số ngẫu nhiên: đọc khoảng ghép cặp của chênh "
        "lệch; khoảng không ghép cặp (Welch) chỉ để đối chiếu",
    ),
    "wb_metric": ("Indicator", "Chỉ tiêu"),
    "wb_metric_key": ("Indicator (column name)", "Chỉ tiêu (tên cột)"),
    "wb_mean": ("Mean over replications", "Trung bình các lần lặp"),
    "wb_sd": ("Standard deviation over replications", "Độ lệch chuẩn giữa các lần lặp"),
    "wb_ci95_low": ("95% CI, lower bound", "KTC 95%, cận dưới"),
    "wb_ci95_high": ("95% CI, upper bound", "KTC 95%, cận trên"),
    "wb_code": ("Code", "Mã"),
    "wb_unit_name": ("Unit", "Đơn vị"),
    "wb_unit_type": ("Type", "Loại"),
    "wb_arrived": (
        "Dossiers received (mean per replication)",
        "Hồ sơ tiếp nhận (trung bình mỗi lần lặp)",
    ),
    "wb_resolved": (
        "Dossiers resolved (mean per replication)",
        "Hồ sơ đã giải quyết (trung bình mỗi lần lặp)",
    ),
    "wb_late": (
        "Resolved late (mean per replication)",
        "Hồ sơ giải quyết trễ hạn (trung bình mỗi lần lặp)",
    ),
    "wb_open": (
        "Open at end (mean per replication)",
        "Chưa giải quyết cuối kỳ (trung bình mỗi lần lặp)",
    ),
    "wb_open_overdue": (
        "Open past deadline at end (mean per replication)",
        "Chưa giải quyết, đã quá hạn cuối kỳ (trung bình mỗi lần lặp)",
    ),
    "wb_procedure_id": ("Procedure (identifier)", "Thủ tục (mã)"),
    "wb_month": ("Month of resolution", "Tháng giải quyết"),
    "wb_cause": ("Cause of lateness", "Nguyên nhân trễ hạn"),
    "wb_late_per_rep": (
        "Late dossiers (mean per replication)",
        "Hồ sơ trễ hạn (trung bình mỗi lần lặp)",
    ),
    "wb_share_of_late": ("Share of late dossiers (%)", "Tỷ trọng trong hồ sơ trễ hạn (%)"),
    "wb_reference": ("Reference scenario", "Kịch bản gốc"),
    "wb_scenarios": ("Compared scenarios", "Các kịch bản so sánh"),
    "wb_mean_reference": ("Reference (mean)", "Kịch bản gốc (trung bình)"),
    "wb_mean_scenario": ("Scenario (mean)", "Kịch bản (trung bình)"),
    "wb_difference": ("Difference (scenario minus reference)", "Chênh lệch (kịch bản trừ gốc)"),
    "wb_paired_ci95_low": ("Paired 95% CI, lower bound", "KTC 95% ghép cặp, cận dưới"),
    "wb_paired_ci95_high": ("Paired 95% CI, upper bound", "KTC 95% ghép cặp, cận trên"),
    "wb_unpaired_ci95_low": (
        "Unpaired (Welch) 95% CI, lower bound",
        "KTC 95% không ghép cặp (Welch), cận dưới",
    ),
    "wb_unpaired_ci95_high": (
        "Unpaired (Welch) 95% CI, upper bound",
        "KTC 95% không ghép cặp (Welch), cận trên",
    ),
    "wb_pairs": ("Paired replications", "Số cặp lần lặp"),
    "wb_halfwidth_ratio": (
        "Paired / unpaired half-width",
        "Tỷ số nửa độ rộng ghép cặp / không ghép cặp",
    ),
    "wb_sweep": ("Sweep", "Đợt quét"),
    "wb_base": ("Base scenario", "Kịch bản cơ sở"),
    "wb_factors": ("Factors", "Các tham số"),
    "wb_points": ("Points", "Số điểm"),
    "wb_points_done": ("Points done", "Số điểm đã chạy xong"),
    "wb_points_failed": ("Points failed", "Số điểm bị lỗi"),
    "wb_point": ("Point", "Điểm"),
    "wb_point_name": ("Factor values", "Giá trị tham số"),
    "wb_point_id": ("Point identifier", "Mã điểm"),
    "wb_status": ("Status", "Trạng thái"),
    "wb_error": ("Error", "Lỗi"),
    "status_done": ("done", "xong"),
    "status_failed": ("failed", "lỗi"),
    "status_open": ("not run", "chưa chạy"),
    "cause_queueing": ("Waiting for officers", "Chờ cán bộ xử lý"),
    "cause_network": ("Waiting for the system or network", "Chờ hệ thống hoặc đường truyền"),
    "cause_supplements": ("Waiting for supplements", "Chờ bổ sung hồ sơ"),
    "cause_service": ("Officers' working time", "Thời gian xử lý của cán bộ"),
    # replication KPIs not labelled above (the summary sheet names every one)
    "arrived": ("Dossiers received (per replication)", "Hồ sơ tiếp nhận (mỗi lần lặp)"),
    "resolved": ("Dossiers resolved (per replication)", "Hồ sơ đã giải quyết (mỗi lần lặp)"),
    "on_time": (
        "Resolved on time or early (per replication)",
        "Hồ sơ giải quyết đúng và trước hạn (mỗi lần lặp)",
    ),
    "online_share": ("Online share (%)", "Tỷ lệ hồ sơ trực tuyến (%)"),
    "phi_dia_gioi_share": (
        "Share of phi-địa-giới submissions (%)",
        "Tỷ lệ hồ sơ phi địa giới (%)",
    ),
    "system_down_working_hours_mean": (
        "System down time (working hours)",
        "Thời gian hệ thống gián đoạn (giờ làm việc)",
    ),
    "events": ("Simulation events (per replication)", "Số sự kiện mô phỏng (mỗi lần lặp)"),
    "late_queueing": (
        "Late: waiting for officers (per replication)",
        "Trễ hạn do chờ cán bộ (mỗi lần lặp)",
    ),
    "late_network": (
        "Late: system or network (per replication)",
        "Trễ hạn do hệ thống hoặc đường truyền (mỗi lần lặp)",
    ),
    "late_supplements": (
        "Late: waiting for supplements (per replication)",
        "Trễ hạn do chờ bổ sung (mỗi lần lặp)",
    ),
    "late_service": (
        "Late: officers' working time (per replication)",
        "Trễ hạn do thời gian xử lý (mỗi lần lặp)",
    ),
    "late_land_external": (
        "Late: commune confirmation or other agency, land (per replication)",
        "Trễ hạn do chờ xác nhận của xã hoặc ý kiến cơ quan khác, đất đai (mỗi lần lặp)",
    ),
    "late_financial_obligation": (
        "Late: tax notice and payment (per replication)",
        "Trễ hạn do chờ thông báo và thực hiện nghĩa vụ tài chính (mỗi lần lặp)",
    ),
    "late_data_sync": (
        "Late: data synchronisation (per replication)",
        "Trễ hạn do lỗi đồng bộ dữ liệu (mỗi lần lặp)",
    ),
    "late_signing": (
        "Late: waiting for the leader's signature (per replication)",
        "Trễ hạn do chờ lãnh đạo ký (mỗi lần lặp)",
    ),
    "late_closing_lag": (
        "Late: closed late in the system (per replication)",
        "Trễ hạn do kết thúc hồ sơ trên hệ thống muộn (mỗi lần lặp)",
    ),
    "legal_on_time_rate": (
        "On-time rate, legal clock (%)",
        "Tỷ lệ đúng hạn theo thời hạn luật định (%)",
    ),
    "recorded_on_time_rate": (
        "On-time rate, recorded by the one-stop system (%)",
        "Tỷ lệ đúng hạn theo hệ thống một cửa (%)",
    ),
    "legal_on_time": ("On time, legal clock", "Đúng hạn theo thời hạn luật định"),
    "inherited": (
        "Dossiers inherited on the first day (per replication)",
        "Hồ sơ tiếp nhận bàn giao ngày đầu (mỗi lần lặp)",
    ),
    "recorded_on_time": ("On time, recorded", "Đúng hạn theo hệ thống một cửa"),
    "slow_to_receive_share": (
        "Online dossiers received after 8 working hours (%)",
        "Hồ sơ trực tuyến tiếp nhận chậm quá 8 giờ làm việc (%)",
    ),
    "utilisation_signing": (
        "Signing leader utilisation (%)",
        "Mức độ sử dụng lãnh đạo ký duyệt (%)",
    ),
    "utilisation_economy": (
        "Economy officer utilisation (%)",
        "Mức độ sử dụng cán bộ kinh tế (%)",
    ),
    "utilisation_general": (
        "General officer utilisation (%)",
        "Mức độ sử dụng cán bộ văn phòng – tổng hợp (%)",
    ),
    "utilisation_justice": (
        "Justice officer utilisation (%)",
        "Mức độ sử dụng cán bộ tư pháp – hộ tịch (%)",
    ),
    "utilisation_land_registration": (
        "Land registration desk utilisation (%)",
        "Mức độ sử dụng bộ phận đăng ký đất đai (%)",
    ),
    "utilisation_leader": (
        "Signing leader utilisation (%)",
        "Mức độ sử dụng lãnh đạo ký duyệt (%)",
    ),
    "utilisation_social": (
        "Social affairs officer utilisation (%)",
        "Mức độ sử dụng cán bộ văn hóa – xã hội (%)",
    ),
    "utilisation_vertical_services": (
        "Vertical-agency desk utilisation (%)",
        "Mức độ sử dụng quầy cơ quan ngành dọc (%)",
    ),
    # ---------------------------------------------------------------- end of workbook block
    # ---------------------------------------------------------------- console tables (sim/cli.py)
    # English texts are the console's own (short, as printed before the language switch)
    "con_month": ("month", "tháng"),
    "con_resolved": ("resolved", "đã giải quyết"),
    "con_late": ("late", "trễ hạn"),
    "con_on_time_rate": ("on-time", "đúng hạn"),
    "con_ci95_low": ("ci95 low", "KTC95 dưới"),
    "con_ci95_high": ("ci95 high", "KTC95 trên"),
    "con_on_time_ci95_low": ("ci95 low", "KTC95 dưới"),
    "con_on_time_ci95_high": ("ci95 high", "KTC95 trên"),
    "con_procedure": ("procedure", "thủ tục"),
    "con_code": ("code", "mã"),
    "con_name": ("name", "tên"),
    "con_type": ("type", "loại"),
    "con_arrived": ("arrived", "tiếp nhận"),
    "con_open": ("open", "tồn cuối kỳ"),
    "con_desk_wait_minutes_mean": ("desk wait min", "chờ quầy (phút)"),
    "con_reception_utilisation": ("desk util", "sử dụng quầy"),
    "con_scenario": ("scenario", "kịch bản"),
    "con_reps": ("reps", "số lần lặp"),
    "con_point_id": ("point_id", "mã điểm"),
    "con_status": ("status", "trạng thái"),
    "con_metric": ("metric", "chỉ tiêu"),
    "con_difference": ("difference", "chênh lệch"),
    "con_paired_ci": ("paired CI", "KTC ghép cặp"),
    "con_unpaired_ci": ("unpaired (Welch) CI", "KTC không ghép cặp (Welch)"),
    "con_width_ratio": ("paired/unpaired width", "tỷ số độ rộng ghép cặp/không ghép cặp"),
    "con_run_scenario": (
        "Scenario: {name}  ({start} to {end}, {units} units)",
        "Kịch bản: {name}  ({start} đến {end}, {units} đơn vị)",
    ),
    "con_run_reps": (
        "Replications: {reps}  seed: {seed}  wall time: {seconds:.1f} s",
        "Số lần lặp: {reps}  hạt giống: {seed}  thời gian chạy: {seconds:.1f} giây",
    ),
    "con_run_rate": (
        "On-time rate (đúng và trước hạn): {rate}   95% CI [{low}, {high}]",
        "Tỷ lệ đúng và trước hạn: {rate}   KTC 95% [{low}, {high}]",
    ),
    "con_run_counts": (
        "Per replication: arrived {arrived:,.0f}  resolved {resolved:,.0f}  open at end "
        "{open:,.0f} (of which past deadline {overdue:,.0f})",
        "Mỗi lần lặp: tiếp nhận {arrived:,.0f}  đã giải quyết {resolved:,.0f}  tồn cuối kỳ "
        "{open:,.0f} (trong đó đã quá hạn {overdue:,.0f})",
    ),
    "con_run_waits": (
        "Online share {online}   desk wait {desk:.1f} min   lead time {lead:.1f} working h",
        "Tỷ lệ trực tuyến {online}   chờ tại quầy {desk:.1f} phút   thời gian giải quyết "
        "{lead:.1f} giờ làm việc",
    ),
    "con_run_causes": (
        "Late dossiers by cause: {parts}",
        "Hồ sơ trễ hạn theo nguyên nhân: {parts}",
    ),
    "con_by_month": ("By month of resolution:", "Theo tháng giải quyết:"),
    "con_by_procedure": ("By procedure:", "Theo thủ tục:"),
    "con_by_unit": ("By unit (mean per replication):", "Theo đơn vị (trung bình mỗi lần lặp):"),
    "con_written": ("Results written to {out}/", "Kết quả đã ghi vào {out}/"),
    "con_cmp_head": (
        "Comparison under common random numbers: {reps} replications, seed {seed}, "
        "wall time {seconds:.1f} s",
        "So sánh với cùng số ngẫu nhiên: {reps} lần lặp, hạt giống {seed}, "
        "thời gian chạy {seconds:.1f} giây",
    ),
    "con_reference": ("reference", "gốc"),
    "con_cmp_minus": (
        "{scenario} minus {reference} (95% intervals; paired = same replications):",
        "{scenario} trừ {reference} (khoảng tin cậy 95%; ghép cặp = cùng các lần lặp):",
    ),
    "con_cmp_units": (
        "On-time rate by unit, {scenario} minus {reference} (paired 95% interval):",
        "Tỷ lệ đúng hạn theo đơn vị, {scenario} trừ {reference} (KTC 95% ghép cặp):",
    ),
    "con_cmp_written": (
        "Results written to {out}/ ({plots} plot files in plots/)",
        "Kết quả đã ghi vào {out}/ ({plots} tệp biểu đồ trong plots/)",
    ),
    "con_sweep_head": (
        "Sweep {name}: {points} points x {reps} replications, seed {seed}, "
        "wall time {seconds:.1f} s ({workers} workers{where})",
        "Quét {name}: {points} điểm x {reps} lần lặp, hạt giống {seed}, "
        "thời gian chạy {seconds:.1f} giây ({workers} tiến trình{where})",
    ),
    "con_sweep_on": (" on {scheduler}", " trên {scheduler}"),
    "con_sweep_done": (
        "{done} of {points} points done ({skipped} from a previous run), {failed} failed. "
        "Results in {out}/",
        "{done}/{points} điểm đã xong ({skipped} từ lần chạy trước), {failed} lỗi. "
        "Kết quả trong {out}/",
    ),
    "con_precision": (
        "--reps auto: {reps} replications; 95% half-width of the {what} {halfwidth:.3f} "
        "points, target {target:.3f}: {state}",
        "--reps auto: {reps} lần lặp; nửa độ rộng KTC 95% của {what} {halfwidth:.3f} "
        "điểm phần trăm, mục tiêu {target:.3f}: {state}",
    ),
    "con_what_rate": ("on-time rate", "tỷ lệ đúng hạn"),
    "con_what_difference": (
        "paired on-time-rate difference",
        "chênh lệch ghép cặp của tỷ lệ đúng hạn",
    ),
    "con_reached": ("reached", "đã đạt"),
    "con_not_reached": (
        "NOT reached (cap --max-reps {max_reps})",
        "CHƯA đạt (giới hạn --max-reps {max_reps})",
    ),
    "con_not_reached_min": (
        "NOT reached (fewer than {min_reps} replications; cap --max-reps {max_reps})",
        "CHƯA đạt (ít hơn {min_reps} lần lặp; giới hạn --max-reps {max_reps})",
    ),
    # ---------------------------------------------------------------- end of console block
    # ---------------------------------------------------------------- lateness anatomy (explain)
    "cause_land_external": (
        "Commune confirmation or other agency (land)",
        "Chờ xác nhận của xã hoặc ý kiến cơ quan khác (đất đai)",
    ),
    "cause_financial_obligation": (
        "Tax notice and payment",
        "Chờ thông báo và thực hiện nghĩa vụ tài chính",
    ),
    "cause_data_sync": ("Failed data synchronisation", "Lỗi đồng bộ dữ liệu"),
    "cause_signing": ("Waiting for the leader's signature", "Chờ lãnh đạo ký"),
    "cause_closing_lag": ("Closed late in the system", "Kết thúc hồ sơ trên hệ thống muộn"),
    "exp_head": (
        "Lateness anatomy: scenario {scenario}, {reps} replications (seed {seed}); "
        "clocks: {clocks} (headline: {headline})",
        "Giải phẫu trễ hạn: kịch bản {scenario}, {reps} lần lặp (hạt giống {seed}); "
        "đồng hồ: {clocks} (chính: {headline})",
    ),
    "exp_clock_legal": ("legal", "luật định"),
    "exp_clock_recorded": ("recorded", "hệ thống một cửa"),
    "exp_total": (
        "Late per replication (resolved after the deadline), {clock} clock: {late} "
        "[{low}, {high}]; on time {rate} [{rate_low}, {rate_high}]",
        "Hồ sơ trễ hạn mỗi lần lặp (giải quyết sau hạn), đồng hồ {clock}: {late} "
        "[{low}, {high}]; đúng hạn {rate} [{rate_low}, {rate_high}]",
    ),
    "exp_open_overdue": (
        "Open past the deadline at the end, {clock} clock: {value} [{low}, {high}] per replication",
        "Chưa giải quyết và đã quá hạn cuối kỳ, đồng hồ {clock}: {value} [{low}, {high}] "
        "mỗi lần lặp",
    ),
    "exp_view_cause": ("Late dossiers by cause", "Hồ sơ trễ hạn theo nguyên nhân"),
    "exp_view_procedure": ("Late dossiers by procedure", "Hồ sơ trễ hạn theo thủ tục"),
    "exp_view_unit_type": ("Late dossiers by unit type", "Hồ sơ trễ hạn theo loại đơn vị"),
    "exp_view_month": (
        "Late dossiers by month of resolution",
        "Hồ sơ trễ hạn theo tháng giải quyết",
    ),
    "exp_clock_suffix": ("{clock} clock", "đồng hồ {clock}"),
    "exp_level": ("level", "nhóm"),
    "exp_late": ("late per rep", "trễ mỗi lần lặp"),
    "exp_share": ("share of late", "tỷ trọng trong trễ hạn"),
    "exp_rate": ("late rate", "tỷ lệ trễ"),
    "exp_low": ("low", "dưới"),
    "exp_high": ("high", "trên"),
    "exp_all": ("all", "tất cả"),
    "exp_land_head": (
        "Land's use of its deadline ({clock} clock; {dossiers} dossiers per replication): "
        "working time used / working time allowed",
        "Mức sử dụng thời hạn của hồ sơ đất đai (đồng hồ {clock}; {dossiers} hồ sơ mỗi lần "
        "lặp): thời gian làm việc đã dùng / thời hạn",
    ),
    "exp_statistic": ("statistic", "chỉ số"),
    "exp_mean": ("mean", "trung bình"),
    "exp_q10": ("10th percentile", "phân vị 10"),
    "exp_q50": ("median", "trung vị"),
    "exp_q90": ("90th percentile", "phân vị 90"),
    "exp_q99": ("99th percentile", "phân vị 99"),
    "exp_above_50": ("share above 50%", "tỷ lệ dùng quá 50%"),
    "exp_above_80": ("share above 80%", "tỷ lệ dùng quá 80%"),
    "exp_above_100": ("share above 100% (late)", "tỷ lệ dùng quá 100% (trễ hạn)"),
    "exp_facts_head": (
        "The model against the reported facts (reported figures: {source}):",
        "Mô hình so với số liệu đã công bố (nguồn số liệu: {source}):",
    ),
    "exp_fact": ("fact", "chỉ tiêu"),
    "exp_model": ("model", "mô hình"),
    "exp_reported": ("reported", "công bố"),
    "exp_range": ("range", "khoảng"),
    "exp_within": ("within?", "trong khoảng?"),
    "exp_source": ("source", "nguồn"),
    "exp_yes": ("yes", "có"),
    "exp_no": ("NO", "KHÔNG"),
    "exp_na": ("n/a", "không xác định"),
    "exp_cf_head": (
        "Causes by counterfactual (headline clock; share of late dossiers on time without):",
        "Nguyên nhân theo phản thực tế (đồng hồ chính; tỷ lệ hồ sơ trễ sẽ đúng hạn nếu không có):",
    ),
    "exp_cf_cause": ("without", "nếu không có"),
    "exp_rescued": ("on time without it", "sẽ đúng hạn"),
    "exp_written": ("Lateness anatomy written to {out}/", "Giải phẫu trễ hạn đã ghi vào {out}/"),
    "exp_axis_late": ("Late dossiers per replication", "Hồ sơ trễ hạn mỗi lần lặp"),
    "exp_axis_use": (
        "Working time used / deadline (1 = the whole deadline)",
        "Thời gian đã dùng / thời hạn (1 = toàn bộ thời hạn)",
    ),
    "exp_axis_share_land": ("Share of land dossiers", "Tỷ lệ hồ sơ đất đai"),
    "exp_title_view": (
        "{view}: mean over {reps} replications, 95% interval ({scenario})",
        "{view}: trung bình {reps} lần lặp, khoảng tin cậy 95% ({scenario})",
    ),
    "exp_title_land": (
        "Land's use of its deadline, {clock} clock ({scenario}, {reps} replications)",
        "Mức sử dụng thời hạn của hồ sơ đất đai, đồng hồ {clock} ({scenario}, {reps} lần lặp)",
    ),
    "exp_title_facts": (
        "Model (dot, 95% interval) against the reported range (band) and value (bar)",
        "Mô hình (chấm, khoảng tin cậy 95%) so với khoảng công bố (dải) và giá trị công bố (vạch)",
    ),
    "exp_axis_facts": (
        "Position in the reported range (0 = its low end, 1 = its high end)",
        "Vị trí trong khoảng công bố (0 = đầu dưới, 1 = đầu trên)",
    ),
    "exp_no_land": ("no land dossier resolved", "không có hồ sơ đất đai được giải quyết"),
    "tgt_recorded_on_time_rate": (
        "On-time rate, recorded (Q3 2025)",
        "Tỷ lệ đúng hạn theo hệ thống (quý III/2025)",
    ),
    "tgt_province_volume": ("Dossiers received, province", "Số hồ sơ tiếp nhận toàn tỉnh"),
    "tgt_hong_gai_july_volume": (
        "Hồng Gai dossiers, July",
        "Số hồ sơ của phường Hồng Gai, tháng 7",
    ),
    "tgt_hong_gai_july_vertical_share": (
        "Hồng Gai, vertical-agency share, July",
        "Hồng Gai, tỷ lệ hồ sơ của cơ quan ngành dọc, tháng 7",
    ),
    "tgt_july_september_late_ratio": (
        "Late rate, July over September",
        "Tỷ lệ trễ tháng 7 so với tháng 9",
    ),
    "tgt_open_at_end_share": (
        "Open at the end of the quarter / received",
        "Hồ sơ tồn cuối quý / tiếp nhận",
    ),
    "tgt_land_late_share": ("Land's share of late dossiers", "Tỷ trọng đất đai trong hồ sơ trễ"),
    "tgt_land_change_on_time_rate": (
        "Land change registration on time",
        "Đăng ký biến động đất đai đúng hạn",
    ),
    "tgt_late_system_or_sync_share": (
        "Late with a system or data-sync cause",
        "Trễ do hệ thống hoặc đồng bộ dữ liệu",
    ),
    "tgt_late_waiting_supplement_or_payment_share": (
        "Late waiting for supplements or payments",
        "Trễ do chờ bổ sung hoặc nghĩa vụ tài chính",
    ),
    "cf_network": ("outages and slow periods (perfect network)", "sự cố và chậm mạng"),
    "cf_supplements": ("supplements (complete dossiers)", "yêu cầu bổ sung (hồ sơ đầy đủ)"),
    "cf_staffing": ("staff shortage (ample staff)", "thiếu cán bộ (đủ cán bộ)"),
    "cf_land_external": (
        "commune confirmation or other agency (land)",
        "xác nhận của xã hoặc ý kiến cơ quan khác (đất đai)",
    ),
    "cf_financial_obligation": ("tax notice and payment", "thông báo và nộp nghĩa vụ tài chính"),
    "cf_data_sync": ("failed data synchronisation", "lỗi đồng bộ dữ liệu"),
    "cf_system_degradation": ("degraded software periods", "thời gian phần mềm chạy chậm"),
    "cf_signing": ("signing sessions", "phiên ký của lãnh đạo"),
    "cf_closing_lag": ("closing lag in the system", "kết thúc hồ sơ trên hệ thống muộn"),
    "cf_recorded_waits": (
        "waits the recorded clock counts",
        "thời gian chờ mà hệ thống vẫn tính",
    ),
    "tgt_slow_to_receive_share": (
        "Online dossiers slow to receive",
        "Hồ sơ trực tuyến tiếp nhận chậm",
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
