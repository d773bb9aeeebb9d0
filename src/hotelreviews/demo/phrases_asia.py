"""Vietnamese and Japanese phrase banks."""

from __future__ import annotations

from hotelreviews.demo.phrases import Bank

VI = Bank(
    aspects={
        "room": (
            ("Phòng rộng rãi, giường rất êm.", "Phòng đẹp, view thoáng và yên tĩnh."),
            ("Phòng nhỏ và phòng tắm hơi cũ.", "Máy lạnh kêu to cả đêm."),
            "phòng thoải mái", "phòng nhỏ"),
        "staff": (
            ("Nhân viên thân thiện và nhiệt tình.", "Lễ tân hỗ trợ rất chu đáo."),
            ("Nhân viên lễ tân không thân thiện.", "Làm thủ tục nhận phòng quá lâu."),
            "nhân viên thân thiện", "nhân viên"),
        "location": (
            ("Vị trí thuận tiện, đi bộ ra phố cổ rất gần.", "Vị trí trung tâm, gần nhiều quán ăn."),
            ("Khách sạn hơi xa trung tâm.", "Khu vực xung quanh khá ồn ào."),
            "vị trí", "vị trí"),
        "breakfast": (
            ("Bữa sáng ngon và đa dạng.", "Phở buổi sáng rất ngon."),
            ("Bữa sáng đơn điệu.", "Bữa sáng hết đồ ăn sớm."),
            "bữa sáng", "bữa sáng"),
        "clean": (
            ("Phòng sạch sẽ, thơm tho.", "Mọi thứ đều sạch sẽ."),
            ("Phòng không được dọn sạch.", "Ga giường có vết bẩn."),
            "sạch sẽ", "không sạch"),
        "value": (
            ("Giá cả rất hợp lý.", "Đáng đồng tiền."),
            ("Giá quá cao so với chất lượng.", "Bị tính thêm phí không báo trước."),
            "giá hợp lý", "giá cao"),
        "noise": (
            ("Phòng rất yên tĩnh.", "Cách âm tốt, ngủ rất ngon."),
            ("Tiếng ồn từ đường phố suốt đêm.", "Tường mỏng, nghe rõ phòng bên cạnh."),
            "yên tĩnh", "ồn ào"),
    },
    titles=(
        ("Rất thất vọng", "Không nên ở"), ("Chưa hài lòng", "Không đáng tiền"),
        ("Tạm được", "Ổn cho một đêm"), ("Rất hài lòng", "Sẽ quay lại"),
        ("Tuyệt vời", "Kỳ nghỉ hoàn hảo", "Rất đáng để trải nghiệm"),
    ),
    city=("Chỉ vài phút đi bộ đến {landmark}.", "Rất tiện để đi {landmark}."),
    updates_up=("Cập nhật: khách sạn đã liên hệ và hoàn tiền một đêm.",),
    updates_down=("Cập nhật: bị trừ tiền cọc hai lần.",),
    responses_good=("Cảm ơn quý khách đã đánh giá, rất mong được đón tiếp quý khách lần sau.",),
    responses_bad=("Chúng tôi rất tiếc vì trải nghiệm chưa tốt của quý khách và sẽ cải thiện "
                   "ngay.",),
)  # fmt: skip

JA = Bank(
    aspects={
        "room": (
            ("部屋は広くてベッドがとても快適でした。", "眺めの良い綺麗な部屋でした。"),
            ("部屋が狭く、バスルームが古かったです。", "エアコンの音が一晩中うるさかったです。"),
            "快適な部屋", "狭い部屋"),
        "staff": (
            ("スタッフの皆さんがとても親切でした。", "フロントの方が丁寧に案内してくれました。"),
            ("フロントの対応が不親切でした。", "チェックインに一時間近くかかりました。"),
            "親切なスタッフ", "スタッフの対応"),
        "location": (
            ("駅から近く、立地が最高です。", "観光に便利な場所でした。"),
            ("中心部から遠くて不便でした。", "周辺は夜になると少し怖い雰囲気でした。"),
            "立地", "立地"),
        "breakfast": (
            ("朝食の種類が多くて美味しかったです。", "和食の朝食がとても良かったです。"),
            ("朝食が高いわりに内容が寂しかったです。", "朝食会場が混雑していました。"),
            "朝食", "朝食"),
        "clean": (
            ("とても清潔でした。", "部屋もバスルームも綺麗に掃除されていました。"),
            ("部屋の掃除が不十分でした。", "シーツに染みがありました。"),
            "清潔さ", "清潔さ"),
        "value": (
            ("コスパが良いです。", "この値段なら大満足です。"),
            ("値段の割に質が低いです。", "チェックアウト時に追加料金を請求されました。"),
            "コスパ", "値段"),
        "noise": (
            ("とても静かでよく眠れました。", "防音がしっかりしていました。"),
            ("壁が薄く、隣の部屋の音が聞こえました。", "外の騒音が気になりました。"),
            "静かさ", "騒音"),
    },
    titles=(
        ("二度と泊まりません", "最悪でした"), ("期待外れ", "値段に見合わない"),
        ("まあまあ", "一泊なら問題なし"), ("良いホテルでした", "また泊まりたい"),
        ("最高でした", "完璧な滞在", "強くおすすめします"),
    ),
    city=("{landmark}まで歩いてすぐです。", "{landmark}へのアクセスが便利です。"),
    updates_up=("追記：ホテルから連絡があり、一泊分を返金していただきました。",),
    updates_down=("追記：デポジットが二重に請求されていました。",),
    responses_good=("この度はご宿泊いただき誠にありがとうございました。またのお越しを心より"
                    "お待ちしております。",),
    responses_bad=("ご期待に沿えず大変申し訳ございませんでした。いただいたご意見はスタッフ全員で"
                   "共有いたします。",),
)  # fmt: skip
