//! English, 简体中文 and 繁體中文: one table, every key in every language (the macro makes a
//! missing translation a compile error). Chinese has no plural forms, so plain strings do.

/// The interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    ZhHans,
    ZhHant,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::ZhHans, Lang::ZhHant];

    /// BCP 47 tag, used in `<html lang>`, the URL and local storage.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHans => "zh-Hans",
            Lang::ZhHant => "zh-Hant",
        }
    }

    /// The language's own name, for the picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhHans => "简体中文",
            Lang::ZhHant => "繁體中文",
        }
    }

    /// Reads a tag as stored, or as the browser reports it (`zh-TW`, `zh-HK`, `zh-Hant-TW` →
    /// Traditional; other `zh*` → Simplified; anything else English).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let t = tag.trim().to_ascii_lowercase();
        if t.is_empty() {
            return None;
        }
        if t == "en" || t.starts_with("en-") {
            return Some(Lang::En);
        }
        if t == "zh" || t.starts_with("zh-") || t.starts_with("zh_") {
            let trad = t.contains("hant") || t.ends_with("-tw") || t.ends_with("-hk") || t.ends_with("-mo");
            return Some(if trad { Lang::ZhHant } else { Lang::ZhHans });
        }
        None
    }

    /// The first supported language among the browser's preferences; English otherwise.
    pub fn detect<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Lang {
        preferred.into_iter().find_map(Lang::from_tag).unwrap_or_default()
    }

    pub fn t(self, k: Phrase) -> &'static str {
        t(self, k)
    }

    /// The phrase `k` with `{0}`, `{1}`, … replaced by `args` (numbers already formatted by
    /// `NumFmt`, so each language's word order keeps the reader's digits).
    pub fn fill(self, k: Phrase, args: &[&str]) -> String {
        let mut s = t(self, k).to_string();
        for (i, a) in args.iter().enumerate() {
            s = s.replace(&format!("{{{i}}}"), a);
        }
        s
    }
}

macro_rules! table {
    ($(#[$doc:meta])* $Enum:ident, $TABLE:ident, $t:ident; $($k:ident => $en:literal, $hans:literal, $hant:literal;)*) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $Enum { $($k),* }
        impl $Enum {
            pub const ALL: &'static [$Enum] = &[$($Enum::$k),*];
        }
        /// Every message, by key, in `Lang` order, as one text and where each one ends: a
        /// table lookup instead of a match of matches (about 6 KB less code in the bundle),
        /// and two bytes per message instead of a pointer and a length (about 2 KB less of
        /// the gzip'd bundle).
        mod $TABLE {
            pub static TEXT: &str = concat!($($en, $hans, $hant),*);
            const LENS: &[usize] = &[$($en.len(), $hans.len(), $hant.len()),*];
            pub static ENDS: [u16; LENS.len()] = super::ends(LENS);
        }
        /// The message for `k` in `lang`.
        pub fn $t(lang: Lang, k: $Enum) -> &'static str {
            let i = k as usize * 3 + lang as usize;
            let start = if i == 0 { 0 } else { $TABLE::ENDS[i - 1] as usize };
            &$TABLE::TEXT[start..$TABLE::ENDS[i] as usize]
        }
    };
}

/// Where each message of a table ends in its text (the running sum of `lens`); the text must
/// stay under 64 KiB (a compile error otherwise).
const fn ends<const N: usize>(lens: &[usize]) -> [u16; N] {
    let mut out = [0u16; N];
    let mut i = 0;
    let mut end = 0;
    while i < N {
        end += lens[i];
        assert!(end <= u16::MAX as usize, "a translation table's text is over 64 KiB");
        out[i] = end as u16;
        i += 1;
    }
    out
}

table! {
    /// A phrase of the interface, translated by [`t`].
    Phrase, phrases, t;
    AppTitle => "gpuplan — LLM GPU planner", "gpuplan — 大模型 GPU 规划器", "gpuplan — 大模型 GPU 規劃器";
    Tagline => "Which GPU, how many, at which precision, at what cost. Computed in your browser; nothing leaves this page but a Hub id you Fetch.",
        "用哪种 GPU、几张、什么精度、花多少钱。全部在浏览器里计算；除点击“获取”的 Hub ID 外，数据不离开本页。",
        "用哪種 GPU、幾張、什麼精度、花多少錢。全部在瀏覽器裡計算；除按下「取得」的 Hub ID 外，資料不離開本頁。";
    Language => "Language", "语言", "語言";
    Theme => "Theme", "主题", "主題";
    ThemeAuto => "System", "跟随系统", "跟隨系統";
    ThemeLight => "Light", "浅色", "淺色";
    ThemeDark => "Dark", "深色", "深色";
    Share => "Copy link", "复制链接", "複製連結";
    Copied => "Copied", "已复制", "已複製";
    CopyFailed => "Select and copy the text below", "请手动选择并复制下面的文字", "請手動選取並複製下面的文字";
    Embed => "Embed", "嵌入", "嵌入";
    Reset => "Reset", "重置", "重設";
    Offline => "Offline copy", "离线版", "離線版";
    OfflineHint => "One HTML file that works without a network, even opened from disk", "单个 HTML 文件，断网或直接从磁盘打开都能用", "單一 HTML 檔案，離線或直接從磁碟開啟都能用";
    SkipToResults => "Skip to results", "跳到结果", "跳到結果";

    Model => "Model", "模型", "模型";
    TabPreset => "Preset", "预设", "預設";
    TabFile => "File / config.json", "文件 / config.json", "檔案 / config.json";
    TabManual => "By hand", "手动输入", "手動輸入";
    SearchModels => "Search models", "搜索模型", "搜尋模型";
    SearchPlaceholder => "Name, family or size, e.g. qwen 32b", "名称、系列或大小，例如 qwen 32b", "名稱、系列或大小，例如 qwen 32b";
    ModelsFound => "models", "个模型", "個模型";
    NoModelFound => "No model matches; try fewer words.", "没有匹配的模型，请减少关键词。", "沒有符合的模型，請減少關鍵字。";
    Source => "Source", "来源", "來源";
    AsOf => "as of", "截至", "截至";
    DropHere => "Drop config.json, .gguf, .safetensors or model.safetensors.index.json here, or",
        "把 config.json、.gguf、.safetensors 或 model.safetensors.index.json 拖到这里，或",
        "把 config.json、.gguf、.safetensors 或 model.safetensors.index.json 拖到這裡，或";
    ChooseFiles => "choose files", "选择文件", "選擇檔案";
    FilesStayLocal => "Only the file headers are read, in your browser; nothing is uploaded.", "只在浏览器中读取文件头，不会上传任何内容。", "只在瀏覽器中讀取檔案標頭，不會上傳任何內容。";
    PasteConfig => "Or paste a config.json", "或粘贴 config.json", "或貼上 config.json";
    ReadingFile => "Reading", "正在读取", "正在讀取";
    WorkerFailed => "The file reader, the planner and “How we know” could not start here (they load on first use; offline, open them once while online or use the offline single file).", "文件读取、规划器与“依据”无法在此启动（它们在首次使用时加载；离线时请先在联网状态下打开一次，或使用离线单文件版）。", "檔案讀取、規劃器與「依據」無法在此啟動（它們在首次使用時載入；離線時請先在連網狀態下開啟一次，或使用離線單檔版）。";
    HowWeKnow => "How we know", "依据", "依據";
    Loading => "Loading…", "加载中…", "載入中…";
    OnMyCards => "On my card(s) and my RAM (llama.cpp)", "在我的显卡和内存上（llama.cpp）", "在我的顯示卡和記憶體上（llama.cpp）";
    HostRamGb => "System RAM (GiB)", "系统内存（GiB）", "系統記憶體（GiB）";
    HostPreset => "System RAM type", "系统内存类型", "系統記憶體類型";
    SecondCard => "Second card", "第二张卡", "第二張卡";
    ThirdCard => "Third card", "第三张卡", "第三張卡";
    Parallel => "Parallel sequences (--parallel)", "并行序列（--parallel）", "並行序列（--parallel）";
    KvCacheType => "KV cache type (f16, q8_0, q4_0)", "KV 缓存类型（f16、q8_0、q4_0）", "KV 快取類型（f16、q8_0、q4_0）";
    FlashAttn => "Flash attention (on, off; empty = auto)", "Flash attention（on、off；留空 = 自动）", "Flash attention（on、off；留空 = 自動）";
    LlamaLayers => "GPU layers (-ngl)", "GPU 层数（-ngl）", "GPU 層數（-ngl）";
    AutoHint => "auto = the most that fit", "auto = 能放下的最多层", "auto = 能放下的最多層";
    NCpuMoe => "MoE layers' experts in RAM (--n-cpu-moe)", "专家留在内存的 MoE 层（--n-cpu-moe）", "專家留在記憶體的 MoE 層（--n-cpu-moe）";
    WiredLimitMb => "Mac: iogpu.wired_limit_mb", "Mac：iogpu.wired_limit_mb", "Mac：iogpu.wired_limit_mb";
    ColOffload => "Fits with offload (llama.cpp)", "卸载后能否放下（llama.cpp）", "卸載後能否放下（llama.cpp）";
    ColMaxCtx => "Largest context", "最大上下文", "最大上下文";
    Serving => "Serving to a latency target · options side by side", "按延迟目标部署 · 方案对比", "按延遲目標部署 · 方案對比";
    TtftMs => "Time to first token target (ms)", "首个 token 时间目标（毫秒）", "首個 token 時間目標（毫秒）";
    TpotMs => "Time per output token target (ms)", "每个输出 token 时间目标（毫秒）", "每個輸出 token 時間目標（毫秒）";
    Rps => "Requests per second", "每秒请求数", "每秒請求數";
    RpsHint => "empty = the users above", "留空 = 上面的用户数", "留空 = 上面的使用者數";
    PromptCacheShare => "Prompt share from the prefix cache (0–1)", "来自前缀缓存的提示占比（0–1）", "來自前綴快取的提示占比（0–1）";
    Pinned => "Pinned options", "已固定的方案", "已固定的方案";
    PinOption => "Pin this option (card × count × format × engine)", "固定此方案（卡 × 数量 × 格式 × 引擎）", "固定此方案（卡 × 數量 × 格式 × 引擎）";
    PinRent => "Pin it rented", "固定为租用", "固定為租用";
    NoneChoice => "— none —", "— 无 —", "— 無 —";
    Layers => "Layers", "层数", "層數";
    Hidden => "Hidden size", "隐藏维度", "隱藏維度";
    Heads => "Attention heads", "注意力头数", "注意力頭數";
    KvHeads => "KV heads", "KV 头数", "KV 頭數";
    HeadDim => "Head dim (0 = hidden ÷ heads)", "头维度（0 = 隐藏维度 ÷ 头数）", "頭維度（0 = 隱藏維度 ÷ 頭數）";
    Intermediate => "FFN intermediate", "FFN 中间维度", "FFN 中間維度";
    Vocab => "Vocabulary", "词表大小", "詞表大小";
    Tied => "Tied embeddings", "共享输入输出嵌入", "共享輸入輸出嵌入";
    Experts => "Experts (0 = dense)", "专家数（0 = 稠密）", "專家數（0 = 稠密）";
    ExpertsPerToken => "Experts per token", "每个 token 激活专家数", "每個 token 啟用專家數";
    ExpertInter => "Expert intermediate (0 = FFN)", "专家中间维度（0 = FFN）", "專家中間維度（0 = FFN）";
    Params => "Parameters", "参数量", "參數量";
    ActiveParams => "active", "激活", "啟用";
    Trainable => "trainable", "可训练", "可訓練";

    Workload => "Workload", "工作负载", "工作負載";
    Task => "Task", "任务", "任務";
    ModeInference => "Inference", "推理", "推論";
    ModeLora => "LoRA fine-tune", "LoRA 微调", "LoRA 微調";
    ModeQlora => "QLoRA fine-tune", "QLoRA 微调", "QLoRA 微調";
    ModeFull => "Full fine-tune", "全参数微调", "全參數微調";
    ModePretrain => "Pre-training", "预训练", "預訓練";
    WeightFormat => "Weight format", "权重格式", "權重格式";
    KvFormat => "KV cache format", "KV 缓存格式", "KV 快取格式";
    Engine => "Engine", "推理引擎", "推論引擎";
    Context => "Context length (tokens)", "上下文长度（token）", "上下文長度（token）";
    Output => "Output tokens", "输出 token 数", "輸出 token 數";
    Users => "Concurrent users (batch)", "并发用户数（batch）", "並行使用者數（batch）";
    MicroBatch => "Micro-batch", "微批大小", "微批次大小";
    Seq => "Sequence length", "序列长度", "序列長度";
    LoraRank => "LoRA rank", "LoRA 秩", "LoRA 秩";
    LoraTargets => "LoRA target modules", "LoRA 目标模块", "LoRA 目標模組";
    LoraTargetsHint => "all-linear, attention or q_proj,v_proj", "all-linear、attention 或 q_proj,v_proj", "all-linear、attention 或 q_proj,v_proj";
    Optimizer => "Optimizer", "优化器", "最佳化器";
    TrainPrecision => "Training precision", "训练精度", "訓練精度";
    PrecisionBf16 => "bf16 everywhere", "全部 bf16", "全部 bf16";
    PrecisionMixed => "mixed (fp32 master)", "混合精度（fp32 主权重）", "混合精度（fp32 主權重）";
    GradCkpt => "Gradient checkpointing", "梯度检查点", "梯度檢查點";
    Zero => "ZeRO / FSDP stage", "ZeRO / FSDP 阶段", "ZeRO / FSDP 階段";
    Offload => "Offload optimizer to CPU", "优化器卸载到 CPU", "最佳化器卸載到 CPU";
    Gpus => "Number of GPUs", "GPU 数量", "GPU 數量";
    Util => "vLLM gpu_memory_utilization", "vLLM gpu_memory_utilization", "vLLM gpu_memory_utilization";
    GpuLayers => "llama.cpp GPU layers (empty = all)", "llama.cpp GPU 层数（留空 = 全部）", "llama.cpp GPU 層數（留空 = 全部）";
    Advanced => "More settings", "更多设置", "更多設定";
    TokensHint => "4k = 4096", "4k = 4096", "4k = 4096";

    Gpu => "GPU", "GPU", "GPU";
    Card => "Card", "显卡", "顯示卡";
    CustomCard => "Custom card", "自定义显卡", "自訂顯示卡";
    CustomName => "Name", "名称", "名稱";
    MemoryGb => "Memory (GB on the label)", "显存（标称 GB）", "顯存（標稱 GB）";
    MemoryGbHint => "Memory: the label's GB, read as GiB (× 2³⁰ bytes), the binary capacity the catalog uses where no driver total is published; results are in GiB.", "显存：按标称 GB 以 GiB 计（× 2³⁰ 字节），即目录在没有公开驱动读数时所用的二进制容量；结果以 GiB 显示。", "顯存：按標稱 GB 以 GiB 計（× 2³⁰ 位元組），即目錄在沒有公開驅動讀數時所用的二進位容量；結果以 GiB 顯示。";
    BandwidthGbs => "Bandwidth (GB/s)", "带宽（GB/s）", "頻寬（GB/s）";
    TflopsBf16 => "Dense bf16 TFLOPS", "稠密 bf16 TFLOPS", "稠密 bf16 TFLOPS";
    Watts => "Power (W)", "功耗（W）", "功耗（W）";
    PriceUsd => "Price (USD)", "价格（美元）", "價格（美元）";
    RentUsdH => "Rent (USD per hour)", "租金（美元/小时）", "租金（美元/小時）";
    Verified => "verified", "已核实", "已核實";
    PartlyVerified => "partly verified", "部分核实", "部分核實";
    Unverified => "unverified", "未核实", "未核實";
    NotNative => "is not native on this card: it is emulated or dequantised, so it runs slower than the card's peak suggests.",
        "在这张卡上没有原生支持：会被模拟或反量化，速度低于标称峰值。",
        "在這張卡上沒有原生支援：會被模擬或反量化，速度低於標稱峰值。";

    Results => "Results", "结果", "結果";
    PerGpu => "per GPU", "每张 GPU", "每張 GPU";
    Needs => "needs", "需要", "需要";
    Of => "of", "共", "共";
    Fits => "Fits", "装得下", "裝得下";
    DoesNotFit => "Does not fit", "装不下", "裝不下";
    FitsTight => "Fits, tight", "装得下（紧）", "裝得下（緊）";
    MemDriver => "Memory: the total its driver reports", "显存：驱动报告的总量", "顯存：驅動回報的總量";
    MemCuda => "Memory: CUDA's total (a little under the driver's)", "显存：CUDA 报告的总量（略低于驱动读数）", "顯存：CUDA 回報的總量（略低於驅動讀數）";
    MemBinary => "Memory: the label's GB × 2³⁰ bytes (no published driver total)", "显存：标称 GB × 2³⁰ 字节（无公开的驱动读数）", "顯存：標稱 GB × 2³⁰ 位元組（無公開的驅動讀數）";
    TightHint => "{0} of it is the caching allocator's slack, which PyTorch frees before it runs out of memory: the run fits, with nothing to spare.",
        "其中 {0} 是缓存分配器的余量，PyTorch 在显存耗尽前会先释放它：能装下，但没有余地。",
        "其中 {0} 是快取分配器的餘量，PyTorch 在顯存耗盡前會先釋放它：能裝下，但沒有餘地。";
    AccMeasured => "Measured on {0} {1} runs of this kind: median error {2} %, worst {3} %.",
        "同类估算在 {0} 次 {1} 实测中：误差中位数 {2} %，最大 {3} %。",
        "同類估算在 {0} 次 {1} 實測中：誤差中位數 {2} %，最大 {3} %。";
    AccOom => "Of the {1} runs that ran out of memory, {0} were predicted not to fit.",
        "{1} 次显存耗尽的实测中有 {0} 次被预先判定为装不下。",
        "{1} 次顯存耗盡的實測中有 {0} 次被預先判定為裝不下。";
    AccNoRuns => "Not measured: no {0} run of this kind ({1}) has been measured; the estimate is computed from the sources only.",
        "未实测：尚无此类（{1}）的 {0} 实测；估算仅依据公开资料计算。",
        "未實測：尚無此類（{1}）的 {0} 實測；估算僅依據公開資料計算。";
    AccMultiGpu => "Not measured: the measured runs are on one GPU; the split over {0} GPUs is computed, not measured.",
        "未实测：实测均为单卡；拆分到 {0} 张 GPU 是计算所得，未经实测。",
        "未實測：實測均為單卡；拆分到 {0} 張 GPU 是計算所得，未經實測。";
    AccHow => "how we know", "依据", "依據";
    Free => "free", "剩余", "剩餘";
    Short => "short", "不足", "不足";
    Total => "Total", "合计", "合計";
    Breakdown => "Memory per GPU", "每张 GPU 的显存", "每張 GPU 的顯存";
    PartWeights => "Weights", "权重", "權重";
    PartKv => "KV cache", "KV 缓存", "KV 快取";
    PartActivations => "Activations", "激活值", "激活值";
    PartGradients => "Gradients", "梯度", "梯度";
    PartOptimizer => "Optimizer states", "优化器状态", "最佳化器狀態";
    PartRuntime => "Runtime and buffers", "运行时与缓冲区", "執行環境與緩衝區";
    KvPerToken => "KV cache per token", "每 token 的 KV 缓存", "每 token 的 KV 快取";
    HostMemory => "CPU memory", "CPU 内存", "CPU 記憶體";
    VllmPool => "vLLM KV pool", "vLLM KV 池", "vLLM KV 池";
    VllmSeqs => "full-length sequences at once", "条满长度序列可同时运行", "條滿長度序列可同時執行";
    Notes => "Notes", "说明", "說明";
    StaleResult => "Showing the last valid result until the marked field is fixed.", "在修正标出的输入之前，显示上一次有效的结果。", "在修正標出的輸入之前，顯示上一次有效的結果。";
    NoResult => "Fix the marked field to see results.", "请修正标出的输入以查看结果。", "請修正標出的輸入以查看結果。";

    ChartPrecision => "Memory vs weight format", "显存与权重格式", "顯存與權重格式";
    ChartPrecisionAxis => "GiB needed to run it on one GPU", "单卡运行所需显存（GiB）", "單卡執行所需顯存（GiB）";
    ChartCost => "Cost vs number of cards", "成本与显卡数量", "成本與顯示卡數量";
    Own => "own", "购买", "購買";
    Rent => "rent", "租用", "租用";
    MinCards => "fewest cards that fit", "装得下的最少卡数", "裝得下的最少卡數";

    AllCards => "Every card", "所有显卡", "所有顯示卡";
    ColCard => "Card", "显卡", "顯示卡";
    ColMemory => "Memory", "显存", "顯存";
    ColFitsHere => "Fits now", "当前能否装下", "目前能否裝下";
    ColCardsNeeded => "Cards needed", "所需卡数", "所需卡數";
    ColHeadroom => "Headroom per GPU", "每卡余量", "每卡餘量";
    ColPrice => "Price", "价格", "價格";

    Speed => "Speed", "速度", "速度";
    DecodePerUser => "Output per user", "每用户输出速度", "每使用者輸出速度";
    DecodeTotal => "Output, all users", "所有用户总输出", "所有使用者總輸出";
    Ttft => "Time to first token", "首 token 延迟", "首 token 延遲";
    TrainThroughput => "Training throughput", "训练吞吐", "訓練吞吐";
    Cost => "Cost", "成本", "成本";
    RentCards => "Rent the cards", "租用显卡", "租用顯示卡";
    PerMillionTokens => "per million output tokens", "每百万输出 token", "每百萬輸出 token";

    Export => "Export", "导出", "匯出";
    EmbedTitle => "Embed this planner", "嵌入此规划器", "嵌入此規劃器";
    EmbedHint => "Paste into your page. The frame sets its own height, so it never scrolls.",
        "粘贴到你的页面中。框架会自动调整高度，不会出现滚动条。",
        "貼到你的頁面中。框架會自動調整高度，不會出現捲軸。";
    Close => "Close", "关闭", "關閉";
    OpenFull => "Open the full planner", "打开完整规划器", "開啟完整規劃器";
    FooterPrivacy => "Runs entirely in your browser: what you type or drop never leaves this page (a Hub id goes to the Hub on Fetch).",
        "完全在浏览器中运行：你输入或拖入的内容不会离开本页（Hub ID 仅在点击“获取”时发往 Hub）。",
        "完全在瀏覽器中執行：你輸入或拖入的內容不會離開本頁（Hub ID 僅在按下「取得」時送往 Hub）。";
    FooterData => "GPU specs and prices come from the sources shown next to each card; prices are indicative.",
        "显卡规格与价格来自各卡旁标注的来源；价格仅供参考。",
        "顯示卡規格與價格來自各卡旁標註的來源；價格僅供參考。";

    ErrEmpty => "Enter a number.", "请输入数字。", "請輸入數字。";
    ErrNotNumber => "Not a number.", "不是数字。", "不是數字。";
    ErrNegative => "Must not be negative.", "不能为负数。", "不能為負數。";
    ErrNotWhole => "Must be a whole number.", "必须是整数。", "必須是整數。";
    ErrTooLarge => "Too large.", "数值过大。", "數值過大。";
    ErrOutputVsContext => "Must be smaller than the context length.", "必须小于上下文长度。", "必須小於上下文長度。";
    ErrUtil => "Between 0.05 and 1.", "应在 0.05 到 1 之间。", "應在 0.05 到 1 之間。";
    ErrPositive => "Must be greater than 0.", "必须大于 0。", "必須大於 0。";
    ErrUnknownPreset => "Unknown model preset; pick one from the list.", "未知的预设模型，请从列表中选择。", "未知的預設模型，請從清單中選擇。";
    ErrUnknownGpu => "Unknown card; pick one from the list.", "未知的显卡，请从列表中选择。", "未知的顯示卡，請從清單中選擇。";
    LinkRepaired => "Some values in the link were not understood and were left at their defaults:",
        "链接中的部分参数无法识别，已使用默认值：",
        "連結中的部分參數無法識別，已使用預設值：";
    ErrRange => "Allowed range:", "允许范围：", "允許範圍：";
    Economics => "Speed, cost and plans", "速度、成本与方案", "速度、成本與方案";
    Years => "Years owned", "持有年数", "持有年數";
    BusyPct => "Busy time (%)", "使用率（%）", "使用率（%）";
    KwhUsd => "Electricity (USD/kWh)", "电价（美元/千瓦时）", "電價（美元/千瓦時）";
    FxRate => "CNY per USD", "人民币/美元汇率", "人民幣/美元匯率";
    Pue => "PUE", "PUE（能效比）", "PUE（能效比）";
    Mbu => "Decode bandwidth efficiency (MBU)", "解码带宽利用率（MBU）", "解碼頻寬利用率（MBU）";
    Mfu => "Compute efficiency (MFU)", "算力利用率（MFU）", "算力利用率（MFU）";
    TargetTps => "Target tokens/s (planner)", "目标 token/秒（规划器）", "目標 token/秒（規劃器）";
    BudgetUsd => "Budget (USD, planner)", "预算（美元，规划器）", "預算（美元，規劃器）";
    TrainTokensB => "Training tokens (billions)", "训练 token 数（十亿）", "訓練 token 數（十億）";
    RankByRent => "Rank plans by renting", "按租用成本排序方案", "按租用成本排序方案";
    DefaultHint => "empty = sourced default", "留空 = 有出处的默认值", "留空 = 有出處的預設值";
    Prefill => "Prefill", "预填充", "預填充";
    TrainTime => "Training time", "训练时间", "訓練時間";
    GpuHours => "GPU-hours", "GPU 小时", "GPU 小時";
    RunCost => "Cost of the run", "本次训练成本", "本次訓練成本";
    Tco => "Total cost of ownership", "总拥有成本", "總擁有成本";
    RentTotal => "Renting the same hours", "租用同样时长", "租用同樣時長";
    Purchase => "Purchase", "购买价", "購買價";
    Energy => "Energy per year", "每年电费", "每年電費";
    Cheaper => "Cheaper", "更便宜", "更便宜";
    NoPrice => "no price in the catalog", "目录中无价格", "目錄中無價格";
    Planner => "Cheapest plans", "最便宜的方案", "最便宜的方案";
    PlannerHint => "Every card × count (1–64) × weight format × parallel layout that fits and meets the target.",
        "遍历每种显卡 × 数量（1–64）× 权重格式 × 并行方式，找出装得下并达到目标的方案。",
        "遍歷每種顯示卡 × 數量（1–64）× 權重格式 × 並行方式，找出裝得下並達到目標的方案。";
    Profile => "Start from a user profile", "从用户画像开始", "從使用者畫像開始";
    ProfileNone => "— choose —", "— 选择 —", "— 選擇 —";
    Interconnect => "Interconnect", "互联", "互連";
    Support => "Precision support", "精度支持", "精度支援";
    HubRef => "Hugging Face id or link", "Hugging Face 模型 ID 或链接", "Hugging Face 模型 ID 或連結";
    Fetch => "Fetch", "获取", "取得";
    TensorSplit => "Tensor split (--tensor-split a,b,…)", "张量切分（--tensor-split a,b,…）", "張量切分（--tensor-split a,b,…）";
    ArticlesOptions => "The articles' four options (70B)", "文章中的四种方案（70B）", "文章中的四種方案（70B）";
    SplitHint => "empty = by free memory", "留空 = 按空闲显存", "留空 = 按可用顯示記憶體";
}

table! {
    /// The words of the "How we know" section (`report::how_we_know`), translated by
    /// [`t_evidence`]: a table of their own, so the page's wasm, which never writes the section
    /// (its worker does), does not carry them.
    Evidence, evidence_words, t_evidence;
    Intro => "What the numbers rest on: real GPU memory measured on one card, published speeds of tuned engines, and a source for every constant.",
        "这些数字的依据：在一张卡上实测的显存、调优引擎公开的速度，以及每个常数的出处。",
        "這些數字的依據：在一張卡上實測的顯示記憶體、調校引擎公開的速度，以及每個常數的出處。";
    Memory => "Memory: estimate against measurement", "显存：估算与实测", "顯示記憶體：估算與實測";
    ChartTitle => "Estimated against measured GPU memory, every calibration run", "每次校准运行的估算显存与实测显存", "每次校準執行的估算與實測顯示記憶體";
    Measured => "measured (GiB)", "实测（GiB）", "實測（GiB）";
    Estimated => "estimated (GiB)", "估算（GiB）", "估算（GiB）";
    Oom => "out of memory", "显存不足", "記憶體不足";
    Capacity => "capacity", "容量", "容量";
    Caption => "One dot per run that fitted, coloured by kind; on the diagonal the estimate equals the measurement, the dashed lines are ±9 %. A triangle is a run that ran out of memory, drawn at its estimate: above the capacity line, the estimator called it so.",
        "每个点是一次放得下的运行，颜色表示类别；对角线上估算等于实测，虚线为 ±9 %。三角形是显存不足的运行，画在其估算值处：位于容量线之上即表示估算器判断为放不下。",
        "每個點是一次放得下的執行，顏色表示類別；對角線上估算等於實測，虛線為 ±9 %。三角形是記憶體不足的執行，畫在其估算值處：位於容量線之上即表示估算器判斷為放不下。";
    Kind => "Kind (mode · engine · weights)", "类别（模式 · 引擎 · 权重）", "類別（模式 · 引擎 · 權重）";
    Runs => "Runs", "运行数", "執行數";
    Median => "Median error", "误差中位数", "誤差中位數";
    Worst => "Worst error", "最大误差", "最大誤差";
    OomCalled => "Out of memory: called / runs", "显存不足：判断正确 / 运行数", "記憶體不足：判斷正確 / 執行數";
    Speed => "Speed: against published figures", "速度：与公开数据对比", "速度：與公開數據對比";
    SpeedIntro => "The speed model with its default efficiencies, against published latencies and throughputs of tuned engines on the same model, card and shape.",
        "速度模型（默认效率）与调优引擎在相同模型、显卡和规模下公开的延迟与吞吐量对比。",
        "速度模型（預設效率）與調校引擎在相同模型、顯示卡和規模下公開的延遲與吞吐量對比。";
    Row => "Benchmark", "基准", "基準";
    Published => "Published", "公开值", "公開值";
    Ours => "Ours", "本工具", "本工具";
    Error => "Error", "误差", "誤差";
    Setup => "Setup", "设置", "設定";
    Source => "Source", "来源", "來源";
    Constants => "Constants and their sources", "常数及其出处", "常數及其出處";
    ConstantsIntro => "Every constant the estimator uses. None is fitted to one model: each is a measured property of a runtime, an engine default or a published figure.",
        "估算器用到的每个常数。没有一个是针对某个模型拟合的：每个都是运行时的实测特性、引擎默认值或公开数据。",
        "估算器用到的每個常數。沒有一個是針對某個模型擬合的：每個都是執行環境的實測特性、引擎預設值或公開數據。";
    Name => "Name in the code", "代码中的名称", "程式碼中的名稱";
    Value => "Value", "数值", "數值";
    UsedFor => "Used for", "用途", "用途";
    Unreadable => "The calibration table could not be read:", "无法读取校准表：", "無法讀取校準表：";
}

table! {
    /// Words only the worker writes (the planner's table, the every-card table's rows, the cost
    /// chart's axes, a dropped file's status), translated by [`tw`]: a table of their own, so
    /// the page's wasm does not carry them.
    Worded, worker_words, tw;
    PlanCard => "Card", "显卡", "顯示卡";
    FileRead => "Read", "已读取", "已讀取";
    NeedConfig => "Add the model's config.json too: safetensors headers hold tensor sizes, not the architecture.",
        "还需要该模型的 config.json：safetensors 文件头只有张量大小，没有结构信息。",
        "還需要該模型的 config.json：safetensors 檔案標頭只有張量大小，沒有結構資訊。";
    UnknownFile => "Not a file gpuplan can read; drop config.json, .gguf, .safetensors or model.safetensors.index.json.",
        "无法读取该文件；请拖入 config.json、.gguf、.safetensors 或 model.safetensors.index.json。",
        "無法讀取該檔案；請拖入 config.json、.gguf、.safetensors 或 model.safetensors.index.json。";
    YesTight => "yes, tight", "是（紧）", "是（緊）";
    ChartCostAxisX => "cards", "张卡", "張卡";
    ChartCostAxisY => "USD", "美元", "美元";
    Yes => "yes", "是", "是";
    No => "no", "否", "否";
    Never => "more than 64", "超过 64", "超過 64";
    Choose => "Use this card", "选用此卡", "選用此卡";
    NoPlan => "No plan fits within 64 cards.", "64 张卡以内没有可行方案。", "64 張卡以內沒有可行方案。";
    ColCount => "Cards", "卡数", "卡數";
    ColFormat => "Format", "格式", "格式";
    ColLayout => "Split TP×PP×DP", "并行 TP×PP×DP", "並行 TP×PP×DP";
    ColTps => "tokens/s", "token/秒", "token/秒";
    ColOwn => "Own (TCO)", "购买（TCO）", "購買（TCO）";
    ColRentH => "Rent / hour", "租用/小时", "租用/小時";
    ColPerMtok => "$ / M tokens", "美元/百万 token", "美元/百萬 token";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_translated() {
        for &k in Phrase::ALL {
            for lang in Lang::ALL {
                assert!(!t(lang, k).trim().is_empty(), "{k:?} in {lang:?}");
            }
            // The Chinese tables are not copies of the English one, except for names and units.
            if !matches!(k, Phrase::Gpu | Phrase::Util | Phrase::TokensHint) {
                assert_ne!(t(Lang::En, k), t(Lang::ZhHans, k), "{k:?} untranslated");
            }
        }
    }

    #[test]
    fn templates_have_the_same_placeholders_in_every_language() {
        let holes = |s: &str| (0..10).filter(|i| s.contains(&format!("{{{i}}}"))).collect::<Vec<_>>();
        for &k in Phrase::ALL {
            assert_eq!(holes(t(Lang::ZhHans, k)), holes(t(Lang::En, k)), "{k:?}");
            assert_eq!(holes(t(Lang::ZhHant, k)), holes(t(Lang::En, k)), "{k:?}");
        }
        assert_eq!(Lang::En.fill(Phrase::AccMultiGpu, &["1,024"]), "Not measured: the measured runs are on one GPU; the split over 1,024 GPUs is computed, not measured.");
    }

    #[test]
    fn no_translation_contains_markup() {
        // `html::Html` relies on this: a translation is text wherever it is written.
        let all = Phrase::ALL.iter().map(|&k| (format!("{k:?}"), Lang::ALL.map(|l| t(l, k))));
        let evidence = Evidence::ALL.iter().map(|&k| (format!("{k:?}"), Lang::ALL.map(|l| t_evidence(l, k))));
        let worded = Worded::ALL.iter().map(|&k| (format!("{k:?}"), Lang::ALL.map(|l| tw(l, k))));
        for (k, texts) in all.chain(evidence).chain(worded) {
            for s in texts {
                assert!(!s.contains(['<', '>', '&', '"']), "{k}: {s}");
            }
        }
    }

    #[test]
    fn detects_the_browser_language() {
        assert_eq!(Lang::detect(["zh-TW", "en"]), Lang::ZhHant);
        assert_eq!(Lang::detect(["zh-HK"]), Lang::ZhHant);
        assert_eq!(Lang::detect(["zh-Hant-TW"]), Lang::ZhHant);
        assert_eq!(Lang::detect(["zh-CN"]), Lang::ZhHans);
        assert_eq!(Lang::detect(["zh"]), Lang::ZhHans);
        assert_eq!(Lang::detect(["fr-FR", "zh-SG"]), Lang::ZhHans);
        assert_eq!(Lang::detect(["de"]), Lang::En);
        assert_eq!(Lang::detect([]), Lang::En);
        for l in Lang::ALL {
            assert_eq!(Lang::from_tag(l.tag()), Some(l));
        }
    }

    #[test]
    fn every_evidence_key_is_translated() {
        for &k in Evidence::ALL {
            for lang in Lang::ALL {
                assert!(!t_evidence(lang, k).trim().is_empty(), "{k:?} in {lang:?}");
            }
            assert_ne!(t_evidence(Lang::En, k), t_evidence(Lang::ZhHans, k), "{k:?} untranslated");
        }
    }

    #[test]
    fn every_worker_word_is_translated() {
        for &k in Worded::ALL {
            for lang in Lang::ALL {
                assert!(!tw(lang, k).trim().is_empty(), "{k:?} in {lang:?}");
            }
        }
    }
}
